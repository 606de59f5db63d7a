#include "mesoshttp/codec.hpp"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <cctype>
#include <limits>

#include "mesoshttp/error.hpp"

namespace mesoshttp {

namespace {

bool iequals_prefix(std::string_view value, std::string_view prefix) {
  if (value.size() < prefix.size()) return false;
  return std::equal(prefix.begin(), prefix.end(), value.begin(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
  });
}

// True if `value` is exactly `type`, optionally followed by parameters.
bool media_type_is(std::string_view value, std::string_view type) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  if (!iequals_prefix(value, type)) return false;
  const std::string_view rest = value.substr(type.size());
  return rest.empty() || rest.front() == ';' || rest.front() == ' ' || rest.front() == '\t';
}

void set_why(std::string* why, std::string text) {
  if (why) *why = std::move(text);
}

} // namespace

std::string_view content_type(encoding e) noexcept {
  return e == encoding::json ? json_content_type : protobuf_content_type;
}

std::string_view to_string(encoding e) noexcept {
  return e == encoding::json ? "json" : "protobuf";
}

std::optional<encoding> encoding_from_content_type(std::string_view value) noexcept {
  if (media_type_is(value, protobuf_content_type)) return encoding::protobuf;
  if (media_type_is(value, json_content_type)) return encoding::json;
  return std::nullopt;
}

std::error_code encode(const google::protobuf::Message& message, encoding e, std::string& out,
                       std::string* why) {
  out.clear();
  if (!message.IsInitialized()) {
    set_why(why, message.GetTypeName() + " lacks required fields: " +
                     message.InitializationErrorString());
    return error::encode_failed;
  }
  if (e == encoding::protobuf) {
    if (!message.SerializeToString(&out)) {
      set_why(why, "cannot serialise " + message.GetTypeName());
      return error::encode_failed;
    }
    return {};
  }
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  const auto status = google::protobuf::util::MessageToJsonString(message, &out, options);
  if (!status.ok()) {
    out.clear();
    set_why(why, "cannot print " + message.GetTypeName() + " as JSON: " + status.ToString());
    return error::encode_failed;
  }
  return {};
}

std::error_code decode(std::string_view bytes, encoding e, google::protobuf::Message& out,
                       std::string* why) {
  out.Clear();
  if (e == encoding::protobuf) {
    if (bytes.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()) ||
        !out.ParsePartialFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      out.Clear();
      set_why(why, "not a valid protobuf " + out.GetTypeName() + " (" +
                       std::to_string(bytes.size()) + " bytes)");
      return error::decode_failed;
    }
  } else {
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = true;
    const auto status = google::protobuf::util::JsonStringToMessage(
        google::protobuf::StringPiece(bytes.data(), bytes.size()), &out, options);
    if (!status.ok()) {
      out.Clear();
      set_why(why, "not a valid JSON " + out.GetTypeName() + ": " +
                       std::string(status.message()));
      return error::decode_failed;
    }
  }
  if (!out.IsInitialized()) {
    set_why(why, out.GetTypeName() + " lacks required fields: " + out.InitializationErrorString());
    out.Clear();
    return error::missing_required_fields;
  }
  return {};
}

} // namespace mesoshttp
