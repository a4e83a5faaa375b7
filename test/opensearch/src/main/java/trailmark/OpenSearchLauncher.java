package trailmark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.opensearch.cluster.service.ClusterService;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.index.reindex.ReindexPlugin;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.plugins.Plugin;
import org.opensearch.transport.Netty4Plugin;

/**
 * One OpenSearch node of a loopback test cluster, started from the published Maven artifacts.
 * Arguments: base directory, node index (0-based), node count, and optionally the HTTP base port.
 * Node i listens on HTTP 9200+i and transport 9300+i, keeps data and logs under base/node-i.
 * One JVM per node, so a test can SIGKILL one of them as a crash.
 */
public final class OpenSearchLauncher {
  /** Node's constructor that accepts classpath plugins is protected: the embedded node subclasses it. */
  static final class EmbeddedNode extends Node {
    EmbeddedNode(Environment environment, Collection<Class<? extends Plugin>> plugins) {
      super(environment, plugins, true);
    }

    // The default sets a JVM-wide SetOnce for the node id; harmless with one node per JVM, kept off so the
    // class also works when a test puts several nodes in one JVM.
    @Override
    protected void configureNodeAndClusterIdStateListener(ClusterService clusterService) {}
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 3) {
      System.err.println("usage: OpenSearchLauncher <base-dir> <node-index> <node-count> [http-base-port]");
      System.exit(2);
    }
    Path base = Path.of(args[0]).toAbsolutePath();
    int index = Integer.parseInt(args[1]);
    int count = Integer.parseInt(args[2]);
    int httpBase = args.length > 3 ? Integer.parseInt(args[3]) : 9200;
    int transportBase = httpBase + 100;
    Path home = base.resolve("node-" + index);
    Files.createDirectories(home.resolve("config"));
    Files.createDirectories(home.resolve("plugins"));
    Files.createDirectories(home.resolve("modules"));
    Files.createDirectories(home.resolve("logs"));

    Settings.Builder settings = Settings.builder()
        .put("cluster.name", "trailmark-test")
        .put("node.name", "n" + index)
        .put("path.home", home.toString())
        .put("path.data", home.resolve("data").toString())
        .put("path.logs", home.resolve("logs").toString())
        .put("network.host", "127.0.0.1")
        // Single ports, not ranges: a range silently drifts to the next free port.
        .put("http.port", Integer.toString(httpBase + index))
        .put("transport.port", Integer.toString(transportBase + index))
        .put("node.portsfile", true)
        // A nearly full test disk must not put a read-only block on the indices.
        .put("cluster.routing.allocation.disk.threshold_enabled", false);
    if (count == 1) {
      settings.put("discovery.type", "single-node");
    } else {
      List<String> seeds = new ArrayList<>();
      List<String> managers = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        seeds.add("127.0.0.1:" + (transportBase + i));
        managers.add("n" + i);
      }
      settings.putList("discovery.seed_hosts", seeds);
      settings.putList("cluster.initial_cluster_manager_nodes", managers);
    }
    Settings nodeSettings = settings.build();

    Environment environment =
        InternalSettingsPreparer.prepareEnvironment(nodeSettings, Map.of(), home.resolve("config"), () -> "n" + index);
    Node node = new EmbeddedNode(environment, List.of(Netty4Plugin.class, ReindexPlugin.class));
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        node.close();
        node.awaitClose(20, TimeUnit.SECONDS);
      } catch (Exception e) {
        e.printStackTrace();
      } finally {
        stopped.countDown();
      }
    }, "trailmark-shutdown"));
    try {
      node.start();
    } catch (Exception e) {
      e.printStackTrace();
      System.exit(1);
    }
    System.out.println("trailmark-opensearch: node n" + index + " started, http 127.0.0.1:" + (httpBase + index));
    // OpenSearch's threads are daemons: keep main alive until the shutdown hook has closed the node.
    stopped.await();
  }
}
