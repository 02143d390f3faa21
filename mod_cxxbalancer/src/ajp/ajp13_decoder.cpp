#include "ajp/ajp13_decoder.h"

#include <algorithm>
#include <stdexcept>

namespace cxxb::ajp {

namespace {

enum class StringStatus { Ok, Null, Truncated, MissingTerminator };

/**
 * Bounds-checked reads from one packet's payload. Every read checks the payload end (not a
 * buffer size), which is where httpd's reader went wrong (CVE-2026-34032).
 */
class Reader {
 public:
  explicit Reader(std::string_view payload) noexcept : p_(payload) {}

  bool u8(uint8_t& out) noexcept {
    if (p_.size() - pos_ < 1) {
      return false;
    }
    out = byteAt(pos_);
    pos_ += 1;
    return true;
  }
  bool peekU16(uint16_t& out) const noexcept {
    if (p_.size() - pos_ < 2) {
      return false;
    }
    out = static_cast<uint16_t>((byteAt(pos_) << 8) | byteAt(pos_ + 1));
    return true;
  }
  bool u16(uint16_t& out) noexcept {
    if (!peekU16(out)) {
      return false;
    }
    pos_ += 2;
    return true;
  }
  /** length, bytes, 00 terminator (checked, not counted); FFFF is null. */
  StringStatus string(std::string_view& out) noexcept {
    uint16_t len = 0;
    if (!u16(len)) {
      return StringStatus::Truncated;
    }
    if (len == kNullStringLength) {
      out = {};
      return StringStatus::Null;
    }
    if (p_.size() - pos_ < size_t{len} + 1) {
      return StringStatus::Truncated;
    }
    if (p_[pos_ + len] != '\0') {
      return StringStatus::MissingTerminator;
    }
    out = p_.substr(pos_, len);
    pos_ += size_t{len} + 1;
    return StringStatus::Ok;
  }
  bool atEnd() const noexcept { return pos_ == p_.size(); }
  size_t remaining() const noexcept { return p_.size() - pos_; }

 private:
  uint8_t byteAt(size_t i) const noexcept { return static_cast<uint8_t>(p_[i]); }

  std::string_view p_;
  size_t pos_ = 0;
};

DecodeError stringError(StringStatus s) noexcept {
  switch (s) {
    case StringStatus::Ok:
      return DecodeError::None;
    case StringStatus::Null:
      return DecodeError::NullString;
    case StringStatus::Truncated:
      return DecodeError::Truncated;
    case StringStatus::MissingTerminator:
      return DecodeError::MissingTerminator;
  }
  return DecodeError::Truncated;
}

/** Checks the magic bytes present so far, so "GET / HTTP/1.1" fails on its first byte. */
bool magicPrefixOk(std::string_view head) noexcept {
  if (!head.empty() && static_cast<uint8_t>(head[0]) != kFromContainerMagic0) {
    return false;
  }
  if (head.size() >= 2 && static_cast<uint8_t>(head[1]) != kFromContainerMagic1) {
    return false;
  }
  return true;
}

}  // namespace

std::string_view describe(DecodeError error) noexcept {
  switch (error) {
    case DecodeError::None:
      return "";
    case DecodeError::BadMagic:
      return "AJP packet without the 'AB' magic";
    case DecodeError::BadLength:
      return "AJP payload length 0 or larger than the packet size allows";
    case DecodeError::Truncated:
      return "AJP field runs past the end of the payload";
    case DecodeError::MissingTerminator:
      return "AJP string without its terminating NUL";
    case DecodeError::NullString:
      return "AJP null string where a header name is required";
    case DecodeError::BadHeaderName:
      return "AJP response header with an empty name";
    case DecodeError::BadHeaderCode:
      return "AJP coded response header outside 0xA001..0xA00B";
    case DecodeError::BadStatus:
      return "AJP status code outside 100..999";
    case DecodeError::BadLayout:
      return "AJP payload size does not match its type";
    case DecodeError::UnknownType:
      return "AJP packet of a type the container never sends";
    case DecodeError::OutOfSequence:
      return "AJP packet out of sequence";
    case DecodeError::Unsolicited:
      return "AJP bytes received while no answer was expected";
  }
  return "unknown AJP decode error";
}

Ajp13Decoder::Ajp13Decoder(Ajp13Limits limits) : limits_(limits) {
  if (!isValidPacketSize(limits_.packetSize)) {
    throw std::invalid_argument("AJP packet size must be 8192..65536");
  }
}

bool Ajp13Decoder::expectCpong() noexcept {
  if (failed() || state_ != State::Idle) {
    return false;
  }
  state_ = State::AwaitCpong;
  return true;
}

bool Ajp13Decoder::expectResponse() noexcept {
  if (failed() || state_ != State::Idle) {
    return false;
  }
  state_ = State::AwaitHeaders;
  return true;
}

std::string_view Ajp13Decoder::error() const noexcept { return describe(error_); }

void Ajp13Decoder::reset() noexcept {
  state_ = State::Idle;
  error_ = DecodeError::None;
  events_.clear();
  partial_.clear();
  completed_.clear();
}

bool Ajp13Decoder::fail(DecodeError error) noexcept {
  if (error_ == DecodeError::None) {
    error_ = error;
  }
  return false;
}

std::optional<Ajp13Event> Ajp13Decoder::next() {
  if (events_.empty()) {
    return std::nullopt;
  }
  Ajp13Event ev = std::move(events_.front());
  events_.pop_front();
  return ev;
}

size_t Ajp13Decoder::feed(std::span<const std::byte> in) {
  return feed(std::string_view(reinterpret_cast<const char*>(in.data()), in.size()));
}

size_t Ajp13Decoder::packetSizeFromHeader(std::string_view header) {
  if (!magicPrefixOk(header)) {
    fail(DecodeError::BadMagic);
    return 0;
  }
  const size_t payload =
      (size_t{static_cast<uint8_t>(header[2])} << 8) | static_cast<uint8_t>(header[3]);
  // P - 4 and not P: accepting P is the 4-byte overflow of CVE-2026-28780.
  if (payload == 0 || payload > maxPayload(limits_.packetSize)) {
    fail(DecodeError::BadLength);
    return 0;
  }
  return kPacketHeaderSize + payload;
}

size_t Ajp13Decoder::feed(std::string_view in) {
  if (failed() || !events_.empty()) {
    return 0;
  }
  size_t used = 0;

  // First finish a packet begun in an earlier call. Its bytes move to completed_, so
  // partial_ is free again for a packet that starts at the end of `in`.
  if (!partial_.empty()) {
    if (partial_.size() < kPacketHeaderSize) {
      const size_t take = std::min(kPacketHeaderSize - partial_.size(), in.size());
      partial_.append(in.substr(0, take));
      used += take;
      if (!magicPrefixOk(partial_)) {
        fail(DecodeError::BadMagic);
        return used;
      }
      if (partial_.size() < kPacketHeaderSize) {
        return used;
      }
    }
    const size_t total = packetSizeFromHeader(partial_);
    if (total == 0) {
      return used;
    }
    const size_t take = std::min(total - partial_.size(), in.size() - used);
    partial_.append(in.substr(used, take));
    used += take;
    if (partial_.size() < total) {
      return used;
    }
    completed_.swap(partial_);
    partial_.clear();
    if (!decodePacket(completed_)) {
      return used;
    }
  }

  // Then whole packets straight from `in` (BodyChunk views point into it), and keep a
  // trailing incomplete packet.
  while (used < in.size()) {
    if (state_ == State::Idle) {
      fail(DecodeError::Unsolicited);
      return used;
    }
    const std::string_view rest = in.substr(used);
    if (rest.size() < kPacketHeaderSize) {
      if (!magicPrefixOk(rest)) {
        fail(DecodeError::BadMagic);
        return used;
      }
      partial_.assign(rest);
      return in.size();
    }
    const size_t total = packetSizeFromHeader(rest);
    if (total == 0) {
      return used;
    }
    if (rest.size() < total) {
      if (partial_.capacity() < limits_.packetSize) {
        partial_.reserve(limits_.packetSize);
      }
      partial_.assign(rest);
      return in.size();
    }
    used += total;
    if (!decodePacket(rest.substr(0, total))) {
      return used;
    }
  }
  return used;
}

bool Ajp13Decoder::decodePacket(std::string_view packet) {
  const std::string_view payload = packet.substr(kPacketHeaderSize);
  const auto type = static_cast<uint8_t>(payload[0]);  // payload length >= 1 was checked
  switch (static_cast<PacketType>(type)) {
    case PacketType::SendHeaders:
      return decodeSendHeaders(payload);
    case PacketType::SendBodyChunk:
      return decodeSendBodyChunk(payload);
    case PacketType::GetBodyChunk: {
      if (payload.size() != 3) {
        return fail(payload.size() < 3 ? DecodeError::Truncated : DecodeError::BadLayout);
      }
      if (state_ != State::AwaitHeaders && state_ != State::InBody) {
        return fail(DecodeError::OutOfSequence);
      }
      const auto requested = static_cast<uint16_t>((static_cast<uint8_t>(payload[1]) << 8) |
                                                   static_cast<uint8_t>(payload[2]));
      events_.emplace_back(GetBodyChunk{requested});
      return true;
    }
    case PacketType::EndResponse: {
      if (payload.size() != 2) {
        return fail(payload.size() < 2 ? DecodeError::Truncated : DecodeError::BadLayout);
      }
      if (state_ != State::InBody) {
        return fail(DecodeError::OutOfSequence);
      }
      // Only 01 means reuse; a backend that sends anything else gets closed.
      events_.emplace_back(EndResponse{static_cast<uint8_t>(payload[1]) == 1});
      state_ = State::Idle;
      return true;
    }
    case PacketType::CPong:
      if (payload.size() != 1) {
        return fail(DecodeError::BadLayout);
      }
      if (state_ != State::AwaitCpong) {
        return fail(DecodeError::OutOfSequence);
      }
      events_.emplace_back(CPong{});
      state_ = State::Idle;
      return true;
    default:
      return fail(DecodeError::UnknownType);
  }
}

bool Ajp13Decoder::decodeSendHeaders(std::string_view payload) {
  Reader r(payload.substr(1));
  SendHeaders out;
  if (!r.u16(out.status)) {
    return fail(DecodeError::Truncated);
  }
  if (out.status < 100 || out.status > 999) {
    return fail(DecodeError::BadStatus);
  }
  std::string_view text;
  if (StringStatus s = r.string(text); s != StringStatus::Ok && s != StringStatus::Null) {
    return fail(stringError(s));
  }
  out.message.assign(text);
  uint16_t count = 0;
  if (!r.u16(count)) {
    return fail(DecodeError::Truncated);
  }
  // The count is hostile: reserve only what the payload could hold (>= 5 bytes a header).
  out.headers.reserve(std::min<size_t>(count, r.remaining() / 5));
  for (uint16_t i = 0; i < count; ++i) {
    http::Header h;
    uint16_t peek = 0;
    if (!r.peekU16(peek)) {
      return fail(DecodeError::Truncated);
    }
    if ((peek >> 8) == kCodedHeaderHighByte) {
      const std::optional<std::string_view> name = responseHeaderName(peek);
      if (!name) {
        return fail(DecodeError::BadHeaderCode);
      }
      h.name.assign(*name);
      (void)r.u16(peek);
    } else {
      if (StringStatus s = r.string(text); s != StringStatus::Ok) {
        return fail(stringError(s));
      }
      if (text.empty()) {
        return fail(DecodeError::BadHeaderName);
      }
      h.name.assign(text);
    }
    // A null value (Tomcat never sends one) is read as empty.
    if (StringStatus s = r.string(text); s != StringStatus::Ok && s != StringStatus::Null) {
      return fail(stringError(s));
    }
    h.value.assign(text);
    out.headers.push_back(std::move(h));
  }
  if (!r.atEnd()) {
    return fail(DecodeError::BadLayout);
  }
  if (state_ != State::AwaitHeaders) {
    return fail(DecodeError::OutOfSequence);
  }
  events_.emplace_back(std::move(out));
  state_ = State::InBody;
  return true;
}

bool Ajp13Decoder::decodeSendBodyChunk(std::string_view payload) {
  // 03 | length | bytes | 00, and the payload is exactly length + 4 (as httpd checks).
  if (payload.size() < 4) {
    return fail(DecodeError::Truncated);
  }
  const size_t len =
      (size_t{static_cast<uint8_t>(payload[1])} << 8) | static_cast<uint8_t>(payload[2]);
  if (len + 4 > payload.size()) {
    return fail(DecodeError::Truncated);
  }
  if (len + 4 < payload.size()) {
    return fail(DecodeError::BadLayout);
  }
  if (payload[3 + len] != '\0') {
    return fail(DecodeError::MissingTerminator);
  }
  if (state_ == State::AwaitHeaders && len == 0) {
    return true;  // a flush before the headers means nothing (httpd ignores it too)
  }
  if (state_ != State::InBody) {
    return fail(DecodeError::OutOfSequence);
  }
  events_.emplace_back(BodyChunk{payload.substr(3, len)});
  return true;
}

}  // namespace cxxb::ajp
