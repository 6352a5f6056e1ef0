package backendci.searchnodes;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * One search node's process: {@code --port N --home DIR --name NAME}, and its end. The node's home
 * (data, logs) is deleted when the process ends, whether the harness stopped it (SIGTERM) or went
 * away without a word (killed, or crashed): the harness holds the write end of our stdin, so EOF on
 * stdin means nobody will ever stop us.
 */
public final class NodeProcess {
    /** A started node that can be closed. */
    public interface Stoppable {
        void stop() throws Exception;
    }

    public final int port;
    public final Path home;
    public final String name;

    private NodeProcess(int port, Path home, String name) {
        this.port = port;
        this.home = home;
        this.name = name;
    }

    public static NodeProcess fromArgs(String[] args) {
        Integer port = null;
        Path home = null;
        String name = "search-node";
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[i + 1]);
                case "--home" -> home = Path.of(args[i + 1]).toAbsolutePath();
                case "--name" -> name = args[i + 1];
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + "; expected --port N --home DIR [--name NAME]");
            }
        }
        if (port == null || home == null) throw new IllegalArgumentException("--port and --home are required");
        return new NodeProcess(port, home, name);
    }

    /** Stops the node and deletes its home on SIGTERM, on EOF of stdin, and on any other JVM exit. */
    public void stopWithHarness(Stoppable node) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.stop();
            } catch (Exception e) {
                System.err.println("search node: stopping failed: " + e);
            } finally {
                deleteHome();
            }
        }, "stop-search-node"));
        Thread watch = new Thread(() -> {
            try {
                while (System.in.read() != -1) {
                    // The harness writes nothing; anything read is ignored.
                }
            } catch (IOException ignored) {
                // A broken stdin means the same as EOF.
            }
            System.err.println("search node: stdin closed, the harness is gone; stopping");
            System.exit(0);
        }, "watch-harness");
        watch.setDaemon(true);
        watch.start();
    }

    private void deleteHome() {
        if (!Files.exists(home)) return;
        try {
            Files.walkFileTree(home, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            System.err.println("search node: could not delete " + home + ": " + e);
        }
    }

    /** Blocks the main thread until the JVM exits (the node's own threads keep it alive). */
    public static void park() throws InterruptedException {
        Thread.currentThread().join();
    }
}
