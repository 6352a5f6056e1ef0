package org.elasticsearch.node;

import java.util.Collection;

import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.plugins.MockPluginsService;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.plugins.PluginsService;

/**
 * The server's own node, built by its own NodeConstruction, with plugins taken from the classpath
 * (the test framework's MockPluginsService) instead of a distribution's modules/ and plugins/
 * directories. Every other service is the production one. In this package because
 * NodeConstruction and NodeServiceProvider are package-private.
 */
public final class ClasspathPluginsNode extends Node {
    public ClasspathPluginsNode(Environment environment, Collection<Class<? extends Plugin>> plugins) {
        super(NodeConstruction.prepareConstruction(environment, new NodeServiceProvider() {
            @Override
            PluginsService newPluginService(Environment env, Settings settings) {
                return new MockPluginsService(settings, env, plugins);
            }
        }, false));
    }
}
