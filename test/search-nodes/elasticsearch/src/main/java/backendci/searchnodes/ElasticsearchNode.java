package backendci.searchnodes;

import java.nio.file.Files;
import java.util.List;
import java.util.Map;

import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.node.ClasspathPluginsNode;
import org.elasticsearch.node.InternalSettingsPreparer;
import org.elasticsearch.transport.netty4.Netty4Plugin;
import org.elasticsearch.xpack.core.XPackPlugin;

/**
 * One Elasticsearch 8.15.3 node on 127.0.0.1:PORT, single-node discovery, security off, for the
 * host harness. Built from Maven Central alone: the server's own node construction
 * ({@link ClasspathPluginsNode}) with plugins loaded from the classpath. The plugins are the
 * Netty HTTP transport, x-pack-core (licensing, the xpack.* settings) and {@link RootInfoPlugin}
 * for {@code GET /}, whose module (rest-root) is not published. No other module is loaded.
 */
public final class ElasticsearchNode {
    public static void main(String[] args) throws Exception {
        NodeProcess process = NodeProcess.fromArgs(args);
        Settings settings = Settings.builder()
                .put("path.home", process.home.toString())
                .put("path.data", process.home.resolve("data").toString())
                .put("path.logs", process.home.resolve("logs").toString())
                .put("cluster.name", process.name)
                .put("node.name", process.name)
                .put("http.port", process.port)
                .put("network.host", "127.0.0.1")
                .put("discovery.type", "single-node")
                .put("xpack.security.enabled", false)
                // The example's tests delete their index by name; wildcards stay allowed for a cleanup.
                .put("action.destructive_requires_name", false)
                // A near-full disk must not make every new index red: this node's data is throwaway.
                .put("cluster.routing.allocation.disk.threshold_enabled", false)
                .build();
        Files.createDirectories(process.home.resolve("logs"));
        // As the server's own bootstrap does: its log4j plugins first, then INFO to the console,
        // which the harness keeps as the node's log.
        LogConfigurator.configureESLogging();
        LogConfigurator.configureWithoutConfig(Settings.builder().put(settings).put("logger.level", "INFO").build());
        ClasspathPluginsNode node = new ClasspathPluginsNode(
                InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), null, () -> process.name),
                List.of(Netty4Plugin.class, XPackPlugin.class, RootInfoPlugin.class));
        process.stopWithHarness(node::close);
        node.start();
        process.warmUpAndReport();
        NodeProcess.park();
    }
}
