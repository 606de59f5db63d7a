#include "operator_protocol.hpp"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <zlib.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <stdexcept>

namespace mesoshttp::sim::operator_protocol {

namespace {

using mesos::v1::master::Call;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string_view path_of(std::string_view target) { return target.substr(0, target.find('?')); }

protocol::answer bad_request(std::string body) { return protocol::text(400, std::move(body)); }

// A small recursive-descent JSON reader that only finds where a text stops
// being JSON: protobuf's parser does not say where, the master's does.
class json_scanner {
 public:
  explicit json_scanner(std::string_view s) : s_(s) {}

  std::optional<std::size_t> run() {
    if (!value(0)) return pos_;
    space();
    if (pos_ != s_.size()) return pos_;
    return std::nullopt;
  }

 private:
  void space() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) ++pos_;
  }
  bool eat(char c) {
    space();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }
  bool string() {
    if (!eat('"')) return false;
    while (pos_ < s_.size()) {
      const char c = s_[pos_++];
      if (c == '"') return true;
      if (c == '\\') {
        if (pos_ >= s_.size()) return false;
        ++pos_;
      } else if (static_cast<unsigned char>(c) < 0x20) {
        --pos_;
        return false;
      }
    }
    return false;
  }
  bool number() {
    const std::size_t start = pos_;
    if (pos_ < s_.size() && s_[pos_] == '-') ++pos_;
    const auto digits = [&] {
      const std::size_t from = pos_;
      while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) ++pos_;
      return pos_ > from;
    };
    if (!digits()) {
      pos_ = start;
      return false;
    }
    if (pos_ < s_.size() && s_[pos_] == '.' && (++pos_, !digits())) return false;
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (!digits()) return false;
    }
    return true;
  }
  bool value(int depth) {
    // Deep nesting is not JSON a client sends; stop before the stack does.
    if (depth > 200) return false;
    space();
    if (pos_ >= s_.size()) return false;
    switch (s_[pos_]) {
      case '{': {
        ++pos_;
        if (eat('}')) return true;
        do {
          space();
          if (!string() || !eat(':') || !value(depth + 1)) return false;
        } while (eat(','));
        return eat('}');
      }
      case '[': {
        ++pos_;
        if (eat(']')) return true;
        do {
          if (!value(depth + 1)) return false;
        } while (eat(','));
        return eat(']');
      }
      case '"': return string();
      case 't': return literal("true");
      case 'f': return literal("false");
      case 'n': return literal("null");
      default: return number();
    }
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

// The master's parser writes the rest of the line where it stopped.
std::string syntax_error_text(std::string_view body, std::size_t at) {
  std::size_t line = 1;
  for (std::size_t i = 0; i < at && i < body.size(); ++i) line += body[i] == '\n';
  std::string_view rest = body.substr(std::min(at, body.size()));
  rest = rest.substr(0, rest.find('\n'));
  return "Failed to parse body into JSON: syntax error at line " + std::to_string(line) + " near: " + std::string(rest);
}

const char* json_kind(const google::protobuf::Value& v) {
  switch (v.kind_case()) {
    case google::protobuf::Value::kNumberValue: return "JSON number";
    case google::protobuf::Value::kStringValue: return "JSON string";
    case google::protobuf::Value::kBoolValue: return "JSON boolean";
    case google::protobuf::Value::kStructValue: return "JSON object";
    case google::protobuf::Value::kListValue: return "JSON array";
    default: return "JSON null";
  }
}

// The master converts JSON to a Call field by field and names the first
// field whose JSON type does not fit (protobuf's converter would take a
// number for an enum, which the master refuses).
std::optional<std::string> top_level_type_error(const google::protobuf::Struct& object) {
  const auto* descriptor = Call::descriptor();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const auto* field = descriptor->field(i);
    const auto it = object.fields().find(field->name());
    if (it == object.fields().end() || it->second.kind_case() == google::protobuf::Value::kNullValue) continue;
    const auto& v = it->second;
    const bool fits = field->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_ENUM
                          ? v.kind_case() == google::protobuf::Value::kStringValue
                          : v.kind_case() == google::protobuf::Value::kStructValue;
    if (!fits) return "Not expecting a " + std::string(json_kind(v)) + " for field '" + field->name() + "'";
  }
  return std::nullopt;
}

// DRAIN_AGENT's max_grace_period is a google.protobuf.Duration, which the
// master reads as a plain message ({"seconds":2}) and protobuf's JSON reader
// only as a string ("2s"): the message form is rewritten to the string form,
// the string form refused as the master refuses it.
// `rewritten` says whether the call changed (the body is then printed again,
// which writes every number as a double: done only when needed).
std::optional<std::string> duration_as_message(google::protobuf::Struct& call, bool& rewritten) {
  auto drain = call.mutable_fields()->find("drain_agent");
  if (drain == call.mutable_fields()->end() || drain->second.kind_case() != google::protobuf::Value::kStructValue)
    return std::nullopt;
  auto& fields = *drain->second.mutable_struct_value()->mutable_fields();
  const auto period = fields.find("max_grace_period");
  if (period == fields.end() || period->second.kind_case() == google::protobuf::Value::kNullValue) return std::nullopt;
  if (period->second.kind_case() != google::protobuf::Value::kStructValue)
    return "Not expecting a " + std::string(json_kind(period->second)) + " for field 'max_grace_period'";
  const auto& parts = period->second.struct_value().fields();
  const auto number = [&](const char* name) -> long long {
    const auto it = parts.find(name);
    if (it == parts.end()) return 0;
    if (it->second.kind_case() == google::protobuf::Value::kNumberValue)
      return static_cast<long long>(it->second.number_value());
    if (it->second.kind_case() == google::protobuf::Value::kStringValue)
      return std::strtoll(it->second.string_value().c_str(), nullptr, 10);
    return 0;
  };
  // "nanoseconds" is not a Duration field: ignored, as the master ignores it.
  const long long seconds = number("seconds");
  const long long nanos = number("nanos");
  char text[64];
  std::snprintf(text, sizeof text, "%lld.%09llds", seconds, nanos < 0 ? -nanos : nanos);
  period->second.set_string_value(text);
  rewritten = true;
  return std::nullopt;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

bool is_operator_path(std::string_view target) {
  const auto path = path_of(target);
  return path == "/api/v1" || path == "/master/api/v1";
}

std::optional<std::size_t> json_syntax_error(std::string_view text) { return json_scanner(text).run(); }

std::optional<std::string> validate_call(const Call& call) {
  if (!call.has_type()) return "Failed to validate master::Call: Expecting 'type' to be present";
  // Every call that carries parameters has a sub-message named as its type
  // in lower case (get_metrics, teardown, ...); the master requires it. Read
  // calls such as GET_HEALTH have no such field.
  const std::string name = lower(Call::Type_Name(call.type()));
  const auto* field = Call::descriptor()->FindFieldByName(name);
  if (field && call.type() != Call::SUBSCRIBE && !call.GetReflection()->HasField(call, field))
    return "Failed to validate master::Call: Expecting '" + name + "' to be present";
  return std::nullopt;
}

bool accepts_gzip(std::optional<std::string_view> accept_encoding) {
  if (!accept_encoding) return false;
  std::string_view rest = *accept_encoding;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    const auto semi = item.find(';');
    const std::string coding = lower(trim(item.substr(0, semi)));
    if (coding != "gzip" && coding != "*") continue;
    if (semi != std::string_view::npos) {
      const std::string_view params = item.substr(semi + 1);
      const auto q = params.find("q=");
      if (q != std::string_view::npos) {
        const std::string weight(trim(params.substr(q + 2)));
        if (std::strtod(weight.c_str(), nullptr) <= 0) continue;
      }
    }
    return true;
  }
  return false;
}

std::string gzip(std::string_view data) {
  z_stream z{};
  // 16 + MAX_WBITS: a gzip header and trailer around the deflate data. The
  // function, not the deflateInit2 macro, to keep its cast out of this file.
  if (deflateInit2_(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
                    static_cast<int>(sizeof(z_stream))) != Z_OK)
    throw std::runtime_error("deflateInit2 failed");
  if (data.size() > std::numeric_limits<uInt>::max()) throw std::length_error("answer too large to compress");
  std::string out(deflateBound(&z, static_cast<uLong>(data.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  if (rc != Z_STREAM_END) throw std::runtime_error("deflate did not finish");
  return out;
}

std::variant<protocol::answer, parsed_call> parse_request(const protocol::request_view& request,
                                                          std::optional<std::string_view> accept_encoding) {
  if (request.method != "POST") return protocol::only_post_allowed(request.method);
  if (!request.content_type) return bad_request("Expecting 'Content-Type' to be present");
  // Exactly one of the two media types: a charset parameter is refused too.
  const std::string_view type = trim(*request.content_type);
  const bool json = type == json_content_type;
  if (!json && type != protobuf_content_type)
    return protocol::text(415, "Expecting 'Content-Type' of application/json or application/x-protobuf");

  parsed_call parsed;
  Call& call = parsed.call;
  if (json) {
    if (const auto at = json_syntax_error(request.body)) return bad_request(syntax_error_text(request.body, *at));
    google::protobuf::Value value;
    const google::protobuf::StringPiece body(request.body.data(), request.body.size());
    if (!google::protobuf::util::JsonStringToMessage(body, &value).ok() ||
        value.kind_case() != google::protobuf::Value::kStructValue)
      return bad_request("Failed to convert JSON into Call protobuf: Expecting a JSON object");
    if (auto why = top_level_type_error(value.struct_value()))
      return bad_request("Failed to convert JSON into Call protobuf: " + *why);
    bool changed = false;
    if (auto why = duration_as_message(*value.mutable_struct_value(), changed))
      return bad_request("Failed to convert JSON into Call protobuf: " + *why);
    std::string rewritten(request.body);
    if (changed && (rewritten.clear(), !google::protobuf::util::MessageToJsonString(value, &rewritten).ok()))
      return bad_request("Failed to convert JSON into Call protobuf: Expecting a JSON object");
    google::protobuf::util::JsonParseOptions options;
    // Unknown fields are ignored, and so are unknown type names, which then
    // leave `type` unset ("Expecting 'type' to be present"), as on a master.
    options.ignore_unknown_fields = true;
    const auto status = google::protobuf::util::JsonStringToMessage(rewritten, &call, options);
    if (!status.ok()) {
      // protobuf's reader checks required fields itself and says
      // "(set_logging_level): missing field duration"; the master says
      // "Missing required fields: set_logging_level.duration".
      const std::string why(status.message());
      const auto close = why.find("): missing field ");
      if (!why.empty() && why.front() == '(' && close != std::string::npos) {
        const std::string parent = why.substr(1, close - 1);
        const std::string field = why.substr(close + 17);
        return bad_request("Failed to convert JSON into Call protobuf: Missing required fields: " +
                           (parent.empty() ? field : parent + "." + field));
      }
      return bad_request("Failed to convert JSON into Call protobuf: " + why);
    }
    if (!call.IsInitialized())
      return bad_request("Failed to convert JSON into Call protobuf: Missing required fields: " +
                         call.InitializationErrorString());
  } else {
    if (request.body.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()) ||
        !call.ParseFromArray(request.body.data(), static_cast<int>(request.body.size())))
      return bad_request("Failed to parse body into Call protobuf");
  }
  if (auto why = validate_call(call)) return bad_request(std::move(*why));
  const auto accept = protocol::negotiate_accept(request.accept);
  if (!accept) return protocol::text(406, "Expecting 'Accept' to allow 'application/x-protobuf' or 'application/json'");
  parsed.answer_encoding = *accept;
  parsed.gzip = accepts_gzip(accept_encoding);
  return parsed;
}

protocol::answer respond(const mesos::v1::master::Response& response, encoding enc, bool gzip_ok) {
  protocol::answer a;
  a.status = 200;
  if (const auto ec = encode(response, enc, a.body))
    return protocol::text(500, "Failed to encode the answer: " + ec.message());
  a.content_type = std::string(content_type(enc));
  if (gzip_ok && a.body.size() >= gzip_threshold) {
    a.body = gzip(a.body);
    a.headers.emplace_back("Content-Encoding", "gzip");
  }
  return a;
}

protocol::answer redirect_to_leader(std::string_view leader_host, unsigned leader_port, std::string_view target) {
  const auto q = target.find('?');
  return protocol::redirect(leader_host, leader_port,
                            "/master/api/v1" + std::string(q == std::string_view::npos ? "" : target.substr(q)));
}

std::string unsupported(std::string_view type) {
  return "501 Not Implemented. The simulated master does not serve " + std::string(type) + ".";
}

}  // namespace mesoshttp::sim::operator_protocol
