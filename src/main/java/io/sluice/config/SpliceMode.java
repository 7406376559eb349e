package io.sluice.config;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Whether a {@code tcp} listener may move its bytes with splice(2) instead of copying them. */
public enum SpliceMode {
  /**
   * Splice wherever it can: on the epoll transport, once a connection has relayed enough to be a
   * bulk transfer, while pipes are left; otherwise copy.
   */
  @JsonProperty("auto")
  AUTO,
  /** Always copy through Sluice's buffers. */
  @JsonProperty("off")
  OFF
}
