package io.sluice.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * nginx as an HTTP server behind Sluice: {@code @RegisterExtension final NginxPeer nginx = new
 * NginxPeer();}. {@link #start} writes a configuration, a document root and every temp path into a
 * directory of its own and runs {@code nginx} in the foreground as one process ({@code daemon off;
 * master_process off;}) on a free loopback port, so it needs no root and leaves nothing behind.
 * After each test it is stopped and its directory removed; when the test failed, its error and
 * access logs are printed first.
 *
 * <p>It serves the files it was started with from its document root and answers {@code /whoami}
 * with the request's method, host and forwarding headers as it saw them. Threads: the test thread
 * only.
 */
public final class NginxPeer
    implements AfterTestExecutionCallback, AfterEachCallback, AutoCloseable {
  private static final String CONFIG =
      """
      daemon off;
      master_process off;
      worker_processes 1;
      pid %1$s/nginx.pid;
      error_log %1$s/error.log info;
      events {
          worker_connections 1024;
      }
      http {
          log_format sluice '$connection $connection_requests "$request" $status';
          access_log %1$s/access.log sluice;
          client_body_temp_path %1$s/tmp/body;
          proxy_temp_path %1$s/tmp/proxy;
          fastcgi_temp_path %1$s/tmp/fastcgi;
          uwsgi_temp_path %1$s/tmp/uwsgi;
          scgi_temp_path %1$s/tmp/scgi;
          default_type application/octet-stream;
          server {
              listen %3$s:%2$d;
              root %1$s/www;
              location = /whoami {
                  default_type text/plain;
                  return 200 "method=$request_method host=$host proto=$http_x_forwarded_proto for=$http_x_forwarded_for\\n";
              }
          }
      }
      """;

  private PeerProcess peer;
  private InetSocketAddress address;

  private String host = "127.0.0.1";

  /** Starts nginx serving {@code files} (name to content) and returns its address. */
  public InetSocketAddress start(java.util.Map<String, byte[]> files) throws IOException {
    return start(files, List.of(), "127.0.0.1");
  }

  /**
   * Starts nginx inside the network namespace {@code namespace} ({@code ip netns exec}), listening
   * on {@code host}, an address of that namespace.
   */
  public InetSocketAddress startInNamespace(
      java.util.Map<String, byte[]> files, String namespace, String host) throws IOException {
    return start(files, List.of(Peers.require("ip"), "netns", "exec", namespace), host);
  }

  private InetSocketAddress start(
      java.util.Map<String, byte[]> files, List<String> prefix, String host) throws IOException {
    if (peer != null) {
      throw new IllegalStateException("this NginxPeer already runs; register another");
    }
    String binary = Peers.require("nginx");
    peer = PeerProcess.prepare("nginx");
    Path dir = peer.dir();
    Files.createDirectories(dir.resolve("tmp"));
    Path www = Files.createDirectories(dir.resolve("www"));
    for (var file : files.entrySet()) {
      Files.write(www.resolve(file.getKey()), file.getValue());
    }
    int port = Sockets.freePort();
    Path config = dir.resolve("nginx.conf");
    Files.writeString(config, CONFIG.formatted(dir, port, host));
    this.host = host;
    List<String> command = new java.util.ArrayList<>(prefix);
    // -e: the error log before the configuration is read, else nginx tries /var/log/nginx.
    command.addAll(
        List.of(
            binary,
            "-p",
            dir.toString(),
            "-c",
            config.toString(),
            "-e",
            dir.resolve("error.log").toString()));
    peer.start(command, port);
    address = new InetSocketAddress(host, port);
    return address;
  }

  public String address() {
    return host + ":" + address.getPort();
  }

  /** Kills nginx with SIGKILL: a crash, no graceful end for the requests it was serving. */
  public void kill() throws InterruptedException {
    peer.kill();
  }

  /** nginx's access log so far: one line per request it served. */
  public List<String> accessLog() throws IOException {
    Path log = peer.dir().resolve("access.log");
    return Files.exists(log) ? Files.readAllLines(log) : List.of();
  }

  /**
   * The connections the requests of {@link #accessLog} came over, by nginx's serial number: fewer
   * than the requests when connections were kept alive.
   */
  public java.util.Set<String> connections() throws IOException {
    java.util.Set<String> serials = new java.util.TreeSet<>();
    for (String line : accessLog()) {
      serials.add(line.substring(0, line.indexOf(' ')));
    }
    return serials;
  }

  @Override
  public void afterTestExecution(ExtensionContext context) throws IOException {
    if (context.getExecutionException().isPresent() && peer != null) {
      Path errors = peer.dir().resolve("error.log");
      System.out.println(
          "---- nginx output\n"
              + peer.output()
              + "---- nginx error.log\n"
              + (Files.exists(errors) ? Files.readString(errors) : "")
              + "---- nginx access.log ("
              + accessLog().size()
              + " lines)\n----");
    }
  }

  @Override
  public void afterEach(ExtensionContext context) throws IOException {
    close();
  }

  @Override
  public void close() throws IOException {
    if (peer != null) {
      peer.close();
      peer = null;
    }
  }
}
