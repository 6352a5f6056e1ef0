package backendci.searchnodes;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * One search node's process: {@code --port N --home DIR [--name NAME] [--ready-file FILE]}, its
 * warm-up, and its end. The node's home
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
    /** Written once the node has served a first index (see {@link #warmUpAndReport}); may be null. */
    public final Path readyFile;

    private NodeProcess(int port, Path home, String name, Path readyFile) {
        this.port = port;
        this.home = home;
        this.name = name;
        this.readyFile = readyFile;
    }

    public static NodeProcess fromArgs(String[] args) {
        Integer port = null;
        Path home = null;
        String name = "search-node";
        Path readyFile = null;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[i + 1]);
                case "--home" -> home = Path.of(args[i + 1]).toAbsolutePath();
                case "--name" -> name = args[i + 1];
                case "--ready-file" -> readyFile = Path.of(args[i + 1]).toAbsolutePath();
                default -> throw new IllegalArgumentException(
                        "unknown argument " + args[i] + "; expected --port N --home DIR [--name NAME] [--ready-file FILE]");
            }
        }
        if (port == null || home == null) throw new IllegalArgumentException("--port and --home are required");
        return new NodeProcess(port, home, name, readyFile);
    }

    /**
     * Serves one index over the node's own REST API the way the example's tests do (create with a
     * mapping, index with refresh, a fuzzy match, count, delete), then writes the ready file. A fresh
     * JVM's first index takes seconds of class loading and JIT on a busy 2-core machine, longer than
     * the example's 5-second client timeout; done here, it is paid before any test asks. A node that
     * fails it exits, so the harness reports its log instead of waiting.
     */
    public void warmUpAndReport() {
        try {
            warmUp();
        } catch (Exception e) {
            System.err.println("search node: warm-up failed");
            e.printStackTrace();
            System.exit(1);
        }
    }

    private void warmUp() throws Exception {
        String base = "http://127.0.0.1:" + port + "/backend-ci-warmup";
        send("DELETE", base, null, true);
        send("PUT", base, "{\"settings\":{\"number_of_shards\":1,\"number_of_replicas\":0},"
                + "\"mappings\":{\"properties\":{\"sku\":{\"type\":\"keyword\"},\"name\":{\"type\":\"text\"},"
                + "\"price_cents\":{\"type\":\"integer\"},\"active\":{\"type\":\"boolean\"}}}}", false);
        send("PUT", base + "/_doc/MUG-001?refresh=true", "{\"sku\":\"MUG-001\",\"name\":\"Blue Mug\",\"price_cents\":1250,\"active\":true}", false);
        send("POST", base + "/_search", "{\"query\":{\"bool\":{\"must\":[{\"match\":{\"name\":{\"query\":\"mug\",\"fuzziness\":\"AUTO\"}}}],"
                + "\"filter\":[{\"term\":{\"active\":true}},{\"range\":{\"price_cents\":{\"lte\":1300}}}]}},\"sort\":[\"_score\",{\"sku\":\"asc\"}]}", false);
        send("GET", base + "/_count", null, false);
        send("DELETE", base, null, false);
        if (readyFile != null) Files.writeString(readyFile, "ready\n");
        System.out.println("search node: " + name + " ready on port " + port);
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private static void send(String method, String url, String json, boolean missingOk) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(120))
                .header("Content-Type", "application/json")
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        int status = response.statusCode();
        if (status / 100 != 2 && !(missingOk && status == 404)) {
            throw new IllegalStateException("warm-up " + method + " " + url + " answered " + status + ": " + response.body());
        }
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
