package io.sluice.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.runtime.SluiceRuntime;
import io.sluice.runtime.StartException;
import io.sluice.testing.EchoServer;
import io.sluice.testing.TestConfigs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ListenerBindIT {
  @Test
  void everyEventLoopSharesTheOnePortTheKernelChoseForPortZero() throws Exception {
    try (EchoServer echo = new EchoServer()) {
      SluiceRuntime sluice =
          SluiceRuntime.start(
              TestConfigs.tcp().server(echo.address()).listener("reuse_port", "true").build(), 4);
      try {
        assertThat(sluice.boundAddresses("front")).hasSize(1);
      } finally {
        sluice.stop(Duration.ZERO);
      }
    }
  }

  @Test
  void refusesToTakeAUnixSocketFileFromARunningListener(@TempDir Path dir) throws Exception {
    String socket = "unix:" + dir.resolve("front.sock");
    try (EchoServer echo = new EchoServer()) {
      SluiceRuntime first =
          SluiceRuntime.start(TestConfigs.tcp().bind(socket).server(echo.address()).build(), 1);
      try {
        long inode = (long) Files.getAttribute(dir.resolve("front.sock"), "unix:ino");
        assertThatThrownBy(
                () ->
                    SluiceRuntime.start(
                        TestConfigs.tcp().bind(socket).server(echo.address()).build(), 1))
            .isInstanceOf(StartException.class)
            .hasMessageContaining("in use by a running process");
        assertThat((long) Files.getAttribute(dir.resolve("front.sock"), "unix:ino"))
            .isEqualTo(inode);
      } finally {
        first.stop(Duration.ZERO);
      }
    }
  }

  @Test
  void replacesAUnixSocketFileLeftByAProcessThatDied(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("stale.sock");
    try (java.nio.channels.ServerSocketChannel dead =
        java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
      dead.bind(java.net.UnixDomainSocketAddress.of(file));
    }
    assertThat(file).exists();
    try (EchoServer echo = new EchoServer()) {
      SluiceRuntime sluice =
          SluiceRuntime.start(
              TestConfigs.tcp().bind("unix:" + file).server(echo.address()).build(), 1);
      sluice.stop(Duration.ZERO);
    }
  }
}
