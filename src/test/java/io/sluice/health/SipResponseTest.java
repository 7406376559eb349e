package io.sluice.health;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Reading SIP responses strictly enough that garbage never passes for one. */
class SipResponseTest {
  private static final String OK = SipCheckTest.response("SIP/2.0 200 OK");

  @Test
  void readsTheStatusCallIdAndCseqOfAResponse() {
    SipResponse response = SipResponse.parseDatagram(OK);

    assertThat(response.problem()).isNull();
    assertThat(response.status()).isEqualTo(200);
    assertThat(response.callId()).isEqualTo("5f2c9e4b1a7d3c60@sluice");
    assertThat(response.cseq()).isEqualTo("1 OPTIONS");
    assertThat(response.length()).isEqualTo(OK.length());
    assertThat(response.provisional()).isFalse();
  }

  @Test
  void acceptsCompactNamesAnyCaseBareLineFeedsAndFoldedHeaders() {
    String text =
        "SIP/2.0 100 Trying\n"
            + "v: SIP/2.0/UDP 127.0.0.1:40000;branch=z9hG4bK77\n"
            + "f: <sip:sluice@127.0.0.1>;tag=1f\n"
            + "t: <sip:127.0.0.1:5060>\n"
            + "i: abc@sluice\n"
            + "cseq:   1\t OPTIONS\n"
            + "Subject: a folded\n"
            + " \tvalue\n"
            + "l: 0\n"
            + "\n";

    SipResponse response = SipResponse.parseDatagram(text);

    assertThat(response.problem()).isNull();
    assertThat(response.provisional()).isTrue();
    assertThat(response.callId()).isEqualTo("abc@sluice");
    assertThat(response.cseq()).isEqualTo("1 OPTIONS");
  }

  @ParameterizedTest(name = "{1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "''|no end of headers",
        "HTTP/1.1 200 OK\\r\\nContent-Length: 0\\r\\n\\r\\n|not a SIP/2.0 status line",
        "OPTIONS sip:a SIP/2.0\\r\\n\\r\\n|not a SIP/2.0 status line",
        "SIP/2.0 099 Low\\r\\n\\r\\n|not a SIP/2.0 status line",
        "SIP/2.0 700 High\\r\\n\\r\\n|not a SIP/2.0 status line",
        "SIP/2.0 2000 OK\\r\\n\\r\\n|not a SIP/2.0 status line",
        "SIP/2.0 200 OK\\r\\nthis is no header\\r\\n\\r\\n|not a header line",
        "SIP/2.0 200 OK\\r\\n folded: first\\r\\n\\r\\n|continuation line before any header",
        "SIP/2.0 200 OK\\r\\nCall-ID: a\\rb\\r\\n\\r\\n|control character in headers",
        "SIP/2.0 200 OK\\r\\nCall-ID: a\\r\\n\\r\\n|missing Via, From, To, Call-ID or CSeq",
      })
  void reportsWhatMakesBytesNoResponse(String text, String problem) {
    SipResponse response =
        SipResponse.parseDatagram(text.replace("\\r", "\r").replace("\\n", "\n"));

    assertThat(response.problem()).isEqualTo(problem);
    assertThat(response.status()).isZero();
  }

  @Test
  void reportsRepeatedOrBadHeadersThatAResponseHasOnce() {
    assertThat(problem(OK.replace("CSeq: 1 OPTIONS", "CSeq: 1 OPTIONS\r\ni: another")))
        .isEqualTo("more than one Call-ID");
    assertThat(problem(OK.replace("CSeq: 1 OPTIONS", "CSeq: 1 OPTIONS\r\nCSeq: 1 OPTIONS")))
        .isEqualTo("more than one CSeq");
    assertThat(problem(OK.replace("CSeq: 1 OPTIONS", "CSeq: one OPTIONS"))).isEqualTo("bad CSeq");
    assertThat(problem(OK.replace("Content-Length: 0", "Content-Length: -1")))
        .isEqualTo("bad Content-Length");
    assertThat(problem(OK.replace("Content-Length: 0", "Content-Length: 0\r\nl: 0")))
        .isEqualTo("more than one Content-Length");
    assertThat(problem(OK.replace("Call-ID: 5f2c9e4b1a7d3c60@sluice", "Call-ID:")))
        .isEqualTo("bad Call-ID");
  }

  @Test
  void dropsADatagramWhoseBodyIsShorterThanItsContentLength() {
    assertThat(problem(OK.replace("Content-Length: 0", "Content-Length: 20") + "v=0\r\n"))
        .isEqualTo("Content-Length 20 but 5 body bytes");
  }

  @Test
  void refusesAHeadLongerThanEightKibibytes() {
    String huge = OK.replace("CSeq:", "Subject: " + "x".repeat(SipResponse.MAX_HEAD) + "\r\nCSeq:");

    assertThat(problem(huge)).isEqualTo("headers longer than 8192 bytes");
    assertThat(SipResponse.parseStream(huge).problem()).isEqualTo("headers longer than 8192 bytes");
  }

  @Test
  void framesStreamMessagesByContentLengthAndNeedsOne() {
    assertThat(SipResponse.parseStream(OK.substring(0, OK.length() - 1)))
        .isSameAs(SipResponse.INCOMPLETE);
    assertThat(SipResponse.parseStream(OK + "SIP/2.0").length()).isEqualTo(OK.length());
    assertThat(SipResponse.parseStream(OK.replace("Content-Length: 0\r\n", "")).problem())
        .isEqualTo("no Content-Length on a stream");
    assertThat(
            SipResponse.parseStream(OK.replace("Content-Length: 0", "Content-Length: 65537"))
                .problem())
        .isEqualTo("body longer than 65536 bytes");
  }

  private static String problem(String text) {
    return SipResponse.parseDatagram(text).problem();
  }
}
