package io.dostorage.support;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Records every log line of the process (message, parameters and stack traces) while open. */
public final class LogCapture extends Handler implements AutoCloseable {

    private final StringBuffer text = new StringBuffer();
    private final List<String> atInfo = new ArrayList<>();

    private LogCapture() {
        setLevel(Level.ALL);
    }

    public static LogCapture start() {
        LogCapture capture = new LogCapture();
        Logger.getLogger("").addHandler(capture);
        return capture;
    }

    public String text() {
        return text.toString();
    }

    /**
     * The lines logged at INFO or above by loggers under {@code prefix}, formatted as the log shows
     * them ({@code logger: message}): what an operator reads at the default level.
     */
    public synchronized List<String> infoAndAbove(String prefix) {
        return atInfo.stream().filter(line -> line.startsWith(prefix)).toList();
    }

    @Override
    public void publish(LogRecord record) {
        if (record.getLevel().intValue() >= Level.INFO.intValue()) {
            Object[] parameters = record.getParameters();
            String message = record.getMessage();
            if (parameters != null && parameters.length > 0) {
                try {
                    message = String.format(message, parameters); // JBoss Logging's infof: printf-style
                } catch (java.util.IllegalFormatException e) {
                    // already formatted (the log manager formats some records before handlers see them)
                }
            }
            synchronized (this) {
                atInfo.add(record.getLoggerName() + ": " + message);
            }
        }
        text.append(record.getLoggerName()).append(' ').append(record.getMessage());
        if (record.getParameters() != null) {
            for (Object parameter : record.getParameters()) {
                text.append(' ').append(parameter);
            }
        }
        for (Throwable t = record.getThrown(); t != null; t = t.getCause()) {
            text.append(' ').append(t);
        }
        text.append('\n');
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        Logger.getLogger("").removeHandler(this);
    }
}
