package io.sluice.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;

/** {@code sluice version}: the version, the JVM and the socket transport in use. */
@Command(name = "version", description = "Print the version, the JVM and the socket transport.")
public final class VersionCommand implements Runnable, IVersionProvider {
  @Override
  public void run() {
    for (String line : getVersion()) {
      System.out.println(line);
    }
  }

  @Override
  public String[] getVersion() {
    String version = Main.class.getPackage().getImplementationVersion();
    return new String[] {
      "sluice " + (version == null ? "development" : version),
      "java "
          + System.getProperty("java.version")
          + " ("
          + System.getProperty("java.vm.name")
          + ")",
      "transport " + io.sluice.runtime.SluiceRuntime.bestTransportName()
    };
  }
}
