// Encoding and decoding of scheduler API messages in the two encodings a
// master speaks. Generic over protobuf messages: the client encodes Calls and
// decodes Events; the simulated master does the reverse.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include <google/protobuf/message.h>

namespace mesoshttp {

enum class encoding {
  protobuf,  // application/x-protobuf (the default: smaller and ~10x faster to decode)
  json,      // application/json, with proto field names ("framework_info")
};

inline constexpr std::string_view protobuf_content_type = "application/x-protobuf";
inline constexpr std::string_view json_content_type = "application/json";

std::string_view content_type(encoding e) noexcept;
std::string_view to_string(encoding e) noexcept;

// The encoding named by a Content-Type or Accept value ("application/json;
// charset=utf-8" is json); nullopt for anything else.
std::optional<encoding> encoding_from_content_type(std::string_view value) noexcept;

// Serialises `message`. JSON uses proto field names, as the master looks
// fields up by them; bytes become base64. Fails (with `why` filled when given)
// if proto2 required fields are unset, or, for JSON, if a string field is not
// valid UTF-8 (protobuf carries any bytes in a string; JSON cannot).
std::error_code encode(const google::protobuf::Message& message, encoding e, std::string& out,
                       std::string* why = nullptr);

// As encode(), except that text which is not UTF-8 goes into JSON with '?'
// for each bad byte instead of failing the message (`message` itself is left
// as it is): for output that must not lose a message over a stray byte, such
// as a relay to JSON readers or a display.
std::error_code encode_coercing_utf8(const google::protobuf::Message& message, encoding e, std::string& out,
                                     std::string* why = nullptr);

// Parses `bytes` into `out` (cleared first). Unknown JSON fields are ignored,
// as are enum values this schema does not know. JSON text with bytes that are
// not UTF-8 (a master passes a string's bytes through raw) is read with '?'
// for each such byte rather than refused. On error `out` is cleared, so
// a half-filled message is never passed on as good, and `why` names what was
// wrong (the parser's message, or the missing required fields).
std::error_code decode(std::string_view bytes, encoding e, google::protobuf::Message& out, std::string* why = nullptr);

// The first string field of `message` whose value is not valid UTF-8, as a
// path with its byte offset ("subscribe.framework_info.name (byte 3)"), or
// nullopt if every one is valid. Such a message encodes as protobuf, not JSON.
std::optional<std::string> find_invalid_utf8(const google::protobuf::Message& message);

// Overwrites each invalid UTF-8 byte in every string field with '?', keeping
// lengths; returns how many fields changed. For passing on text from a peer
// that sent protobuf to one that reads JSON.
std::size_t coerce_to_utf8(google::protobuf::Message& message);

}  // namespace mesoshttp
