// Fuzzes Ajp13Decoder with arbitrary container -> proxy bytes.
//
// Input layout: byte 0 = flags (bit 0: 65536-byte packets, else 8192; bits 1-2: what the
// decoder was told was sent: 0/3 a request, 1 a CPING, 2 nothing), bytes 1-2 = seed for the
// random cuts, the rest = the stream. Properties checked:
//   - no crash, no out-of-bounds read (ASan/UBSan), no runaway allocation;
//   - cutting the stream anywhere (random pieces, and one byte at a time for short inputs)
//     gives exactly the events and error of one single feed();
//   - events respect the limits: body chunks <= P - 8, statuses 100..999, a successful run
//     consumed everything, BodyChunk views of whole packets point into the fed buffer.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "../unit/ajp/support/ajp13_decode_driver.h"

namespace {

using cxxb::ajp::Ajp13Decoder;
using cxxb::ajp::Ajp13Event;
using cxxb::ajp::Ajp13Limits;
using cxxb::ajp::BodyChunk;
using cxxb::ajp::test::decodeInPieces;
using cxxb::ajp::test::DecodeRun;
using cxxb::ajp::test::Expect;
using Kind = cxxb::ajp::test::RecordedEvent::Kind;

#define FUZZ_CHECK(cond)                                                                   \
  do {                                                                                     \
    if (!(cond)) {                                                                         \
      std::fprintf(stderr, "FUZZ_CHECK failed: %s at %s:%d\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                        \
    }                                                                                      \
  } while (0)

uint32_t nextRandom(uint32_t& state) {
  state ^= state << 13;
  state ^= state >> 17;
  state ^= state << 5;
  return state;
}

void checkLimits(const DecodeRun& run, size_t packetSize, size_t streamSize) {
  for (const auto& ev : run.events) {
    if (ev.kind == Kind::BodyChunk) {
      FUZZ_CHECK(ev.data.size() <= packetSize - 8);
    }
    if (ev.kind == Kind::SendHeaders) {
      FUZZ_CHECK(ev.headers.status >= 100 && ev.headers.status <= 999);
      for (const auto& h : ev.headers.headers) {
        FUZZ_CHECK(!h.name.empty());
      }
    }
  }
  if (run.error == cxxb::ajp::DecodeError::None) {
    FUZZ_CHECK(run.consumed == streamSize);
  }
}

/** Drives a decoder like a connector on one connection: re-arms it between exchanges. */
void connectorLike(std::string_view stream, size_t packetSize, uint32_t seed) {
  Ajp13Decoder decoder(Ajp13Limits{.packetSize = packetSize});
  bool cping = (seed & 1) != 0;
  size_t offset = 0;
  while (offset < stream.size() && !decoder.failed()) {
    if (decoder.state() == Ajp13Decoder::State::Idle) {
      FUZZ_CHECK(cping ? decoder.expectCpong() : decoder.expectResponse());
      cping = !cping;
    }
    const size_t len = 1 + nextRandom(seed) % 9000;
    std::string piece(stream.substr(offset, len));
    offset += piece.size();
    std::string_view rest = piece;
    while (!rest.empty()) {
      const size_t used = decoder.feed(rest);
      FUZZ_CHECK(used <= rest.size());
      rest.remove_prefix(used);
      bool any = false;
      while (auto ev = decoder.next()) {
        any = true;
        if (const auto* chunk = std::get_if<BodyChunk>(&*ev)) {
          FUZZ_CHECK(chunk->data.size() <= packetSize - 8);
        }
      }
      if (decoder.failed() || (used == 0 && !any)) {
        break;
      }
      if (decoder.state() == Ajp13Decoder::State::Idle && !rest.empty() &&
          decoder.pendingEvents() == 0) {
        FUZZ_CHECK(cping ? decoder.expectCpong() : decoder.expectResponse());
        cping = !cping;
      }
    }
  }
  FUZZ_CHECK(decoder.bufferedBytes() < packetSize);
  if (decoder.failed()) {
    FUZZ_CHECK(!decoder.error().empty());
    FUZZ_CHECK(decoder.feed(stream) == 0);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) {
    return 0;
  }
  const uint8_t flags = data[0];
  const size_t packetSize = (flags & 1) != 0 ? 65536 : 8192;
  Expect expect = Expect::Response;
  switch ((flags >> 1) & 3) {
    case 1:
      expect = Expect::Cpong;
      break;
    case 2:
      expect = Expect::Nothing;
      break;
    default:
      break;
  }
  uint32_t seed = (uint32_t{data[1]} << 8 | data[2]) + 1;
  // A copy sized exactly, so ASan sees any read past the stream.
  const std::string stream(reinterpret_cast<const char*>(data + 3), size - 3);

  const DecodeRun whole = decodeInPieces(stream, {}, expect, packetSize);
  checkLimits(whole, packetSize, stream.size());

  std::vector<size_t> pieces;
  for (size_t total = 0; total < stream.size();) {
    // Mostly small pieces, sometimes packet-sized ones, sometimes empty ones.
    const uint32_t r = nextRandom(seed);
    size_t n = (r & 3) == 0 ? r % (packetSize + 1) : r % 17;
    pieces.push_back(n);
    total += n;
  }
  const DecodeRun cut = decodeInPieces(stream, pieces, expect, packetSize);
  FUZZ_CHECK(cut == whole);

  if (stream.size() <= 4096) {
    const DecodeRun bytewise =
        decodeInPieces(stream, std::vector<size_t>(stream.size(), 1), expect, packetSize);
    FUZZ_CHECK(bytewise == whole);
  }

  connectorLike(stream, packetSize, seed);
  return 0;
}
