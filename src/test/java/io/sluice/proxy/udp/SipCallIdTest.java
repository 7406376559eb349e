package io.sluice.proxy.udp;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SipCallIdTest {
  private static String found(String message) {
    ByteBuf buffer = Unpooled.copiedBuffer(message, StandardCharsets.ISO_8859_1);
    try {
      long at = SipCallId.find(buffer);
      return at == SipCallId.NONE
          ? null
          : buffer.toString((int) (at >>> 32), (int) at, StandardCharsets.ISO_8859_1);
    } finally {
      buffer.release();
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "Call-ID: a84b4c76e66710@pc33.atlanta.com\r\n",
        "call-id:a84b4c76e66710@pc33.atlanta.com\r\n",
        "CALL-ID \t:  a84b4c76e66710@pc33.atlanta.com \t\r\n",
        "i: a84b4c76e66710@pc33.atlanta.com\r\n",
        "I:a84b4c76e66710@pc33.atlanta.com\n"
      })
  void findsTheCallIdInAnyOfItsSpellings(String header) {
    String request =
        "INVITE sip:bob@biloxi.com SIP/2.0\r\n"
            + "Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds\r\n"
            + "To: Bob <sip:bob@biloxi.com>\r\n"
            + header
            + "CSeq: 314159 INVITE\r\n"
            + "Content-Length: 0\r\n\r\n";

    assertThat(found(request)).isEqualTo("a84b4c76e66710@pc33.atlanta.com");
  }

  @Test
  void findsItInAResponseToo() {
    assertThat(found("SIP/2.0 200 OK\r\nCall-ID: x1\r\n\r\n")).isEqualTo("x1");
  }

  @Test
  void ignoresHeadersThatOnlyStartLikeIt() {
    String request =
        "OPTIONS sip:a SIP/2.0\r\n"
            + "Info: not it\r\n"
            + "Call-IDs: not it\r\n"
            + "In-Reply-To: not it\r\n"
            + "Call-ID: it\r\n\r\n";

    assertThat(found(request)).isEqualTo("it");
  }

  @Test
  void stopsAtTheEndOfTheHeaders() {
    assertThat(found("MESSAGE sip:a SIP/2.0\r\nTo: b\r\n\r\nCall-ID: in the body\r\n")).isNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "\r\n\r\n", "\r\n", "garbage", "X\r\nCall-ID:", "X\r\ni:  \r\n"})
  void findsNothingInWhatIsNotSipOrHasNoValue(String datagram) {
    assertThat(found(datagram)).isNull();
  }
}
