package backendci.searchnodes;

import org.codelibs.opensearch.runner.OpenSearchRunner;

/**
 * One OpenSearch 2.19.1 node on 127.0.0.1:PORT, single-node discovery, for the host harness. The
 * runner loads the server's modules (analysis-common, painless, mapper-extras, netty4, ...) from the
 * classpath; security is not among them, so the node speaks plain HTTP.
 */
public final class OpenSearchNode {
    public static void main(String[] args) throws Exception {
        NodeProcess process = NodeProcess.fromArgs(args);
        OpenSearchRunner runner = new OpenSearchRunner();
        process.stopWithHarness(runner::close);
        runner.onBuild((number, settings) -> settings
                .put("http.port", process.port)
                .put("network.host", "127.0.0.1")
                .put("discovery.type", "single-node")
                .put("node.name", process.name)
                // A near-full disk must not make every new index red: this node's data is throwaway.
                .put("cluster.routing.allocation.disk.threshold_enabled", false));
        runner.build(OpenSearchRunner.newConfigs()
                .basePath(process.home.toString())
                .numOfNode(1)
                .clusterName(process.name)
                .printOnFailure());
        runner.ensureYellow();
        process.warmUpAndReport();
        NodeProcess.park();
    }
}
