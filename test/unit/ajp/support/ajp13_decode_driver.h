#pragma once
// Test-only: drives an Ajp13Decoder over a byte stream cut into given pieces, the way a
// connector does (feed, drain next(), check failed()), and records owning copies of the
// events so runs with different cuts can be compared. Header-only for the fuzz targets.
#include <algorithm>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "ajp/ajp13_decoder.h"

namespace cxxb::ajp::test {

/** An event with its body bytes copied (BodyChunk views die at the next feed()). */
struct RecordedEvent {
  enum class Kind { SendHeaders, BodyChunk, GetBodyChunk, EndResponse, CPong } kind;
  SendHeaders headers;
  std::string data;
  uint16_t requested = 0;
  bool reuse = false;
  bool operator==(const RecordedEvent&) const = default;
};

inline RecordedEvent record(const Ajp13Event& ev) {
  RecordedEvent out{};
  if (const auto* h = std::get_if<SendHeaders>(&ev)) {
    out.kind = RecordedEvent::Kind::SendHeaders;
    out.headers = *h;
  } else if (const auto* b = std::get_if<BodyChunk>(&ev)) {
    out.kind = RecordedEvent::Kind::BodyChunk;
    out.data.assign(b->data);
  } else if (const auto* g = std::get_if<GetBodyChunk>(&ev)) {
    out.kind = RecordedEvent::Kind::GetBodyChunk;
    out.requested = g->requested;
  } else if (const auto* e = std::get_if<EndResponse>(&ev)) {
    out.kind = RecordedEvent::Kind::EndResponse;
    out.reuse = e->reuse;
  } else {
    out.kind = RecordedEvent::Kind::CPong;
  }
  return out;
}

struct DecodeRun {
  std::vector<RecordedEvent> events;
  DecodeError error = DecodeError::None;
  Ajp13Decoder::State state = Ajp13Decoder::State::Idle;
  size_t consumed = 0;  ///< not compared: after a failure it depends on the cuts
  bool operator==(const DecodeRun& o) const {
    return events == o.events && error == o.error && state == o.state;
  }
};

/** What the decoder was told was sent before the stream arrives. */
enum class Expect { Nothing, Response, Cpong };

/**
 * Feeds `stream` in pieces of the given sizes (the last piece takes the rest; sizes of 0
 * are skipped), draining events after every feed().
 */
inline DecodeRun decodeInPieces(std::string_view stream, const std::vector<size_t>& pieces,
                                Expect expect, size_t packetSize = 8192) {
  Ajp13Decoder decoder(Ajp13Limits{.packetSize = packetSize});
  if (expect == Expect::Response) {
    decoder.expectResponse();
  } else if (expect == Expect::Cpong) {
    decoder.expectCpong();
  }
  DecodeRun run;
  size_t offset = 0;
  size_t pieceIndex = 0;
  while (offset < stream.size() && !decoder.failed()) {
    size_t len = stream.size() - offset;
    if (pieceIndex < pieces.size()) {
      len = std::min(len, pieces[pieceIndex++]);
      if (len == 0) {
        continue;
      }
    }
    std::string_view piece = stream.substr(offset, len);
    offset += len;
    while (!piece.empty()) {
      const size_t used = decoder.feed(piece);
      run.consumed += used;
      piece.remove_prefix(used);
      bool any = false;
      while (auto ev = decoder.next()) {
        run.events.push_back(record(*ev));
        any = true;
      }
      if (decoder.failed() || (used == 0 && !any)) {
        break;
      }
    }
  }
  run.error = decoder.errorCode();
  run.state = decoder.state();
  return run;
}

inline DecodeRun decodeWhole(std::string_view stream, Expect expect, size_t packetSize = 8192) {
  return decodeInPieces(stream, {}, expect, packetSize);
}

inline DecodeRun decodeByteByByte(std::string_view stream, Expect expect,
                                  size_t packetSize = 8192) {
  return decodeInPieces(stream, std::vector<size_t>(stream.size(), 1), expect, packetSize);
}

}  // namespace cxxb::ajp::test
