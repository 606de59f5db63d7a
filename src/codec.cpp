#include "mesoshttp/codec.hpp"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/stubs/common.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/type_resolver.h>
#include <google/protobuf/util/type_resolver_util.h>

#include <algorithm>
#include <cctype>
#include <limits>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <type_traits>
#include <vector>

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

// The JSON parser checks proto2 required fields itself, and reports a type
// error and a missing field alike (only the last of several). To tell them
// apart, and to name every missing field the way the protobuf decoder does,
// JSON is parsed into a copy of the message type whose required fields are
// optional, then moved into the real message through the wire format. The
// copies live in a private pool built once per file.
class relaxed_schema {
 public:
  // JSON to wire format for `type`, required fields not checked; nullopt
  // and `error` filled if the JSON is not a valid `type`.
  std::optional<std::string> to_wire(std::string_view json, const google::protobuf::Descriptor* type,
                                     const google::protobuf::util::JsonParseOptions& options, std::string& error) {
    {
      std::unique_lock lock(mutex_);
      if (!load(type->file()) || !pool_.FindMessageTypeByName(type->full_name())) {
        error = "cannot derive a schema for " + type->full_name();
        return std::nullopt;
      }
    }
    // Conversions only read the pool; they run in parallel, never during a load.
    std::shared_lock lock(mutex_);
    std::string wire;
    const auto status = google::protobuf::util::JsonToBinaryString(
        resolver_.get(), std::string(type_url_prefix) + "/" + type->full_name(),
        google::protobuf::StringPiece(json.data(), json.size()), &wire, options);
    if (!status.ok()) {
      error = std::string(status.message());
      return std::nullopt;
    }
    return wire;
  }

 private:
  static constexpr std::string_view type_url_prefix = "type.googleapis.com";

  static void relax(google::protobuf::DescriptorProto& message) {
    for (auto& field : *message.mutable_field())
      if (field.label() == google::protobuf::FieldDescriptorProto::LABEL_REQUIRED)
        field.set_label(google::protobuf::FieldDescriptorProto::LABEL_OPTIONAL);
    for (auto& nested : *message.mutable_nested_type()) relax(nested);
  }

  bool load(const google::protobuf::FileDescriptor* file) {
    if (pool_.FindFileByName(file->name())) return true;
    for (int i = 0; i < file->dependency_count(); ++i)
      if (!load(file->dependency(i))) return false;
    google::protobuf::FileDescriptorProto proto;
    file->CopyTo(&proto);
    file->CopyJsonNameTo(&proto);
    for (auto& message : *proto.mutable_message_type()) relax(message);
    return pool_.BuildFile(proto) != nullptr;
  }

  std::shared_mutex mutex_;
  google::protobuf::DescriptorPool pool_;
  std::unique_ptr<google::protobuf::util::TypeResolver> resolver_{
      google::protobuf::util::NewTypeResolverForDescriptorPool(std::string(type_url_prefix), &pool_)};
};

relaxed_schema& relaxed() {
  // Never destroyed: a client thread still decoding while the process exits
  // (e.g. a client destroyed from its own callback, its thread detached) must
  // not meet a pool that static destruction has already torn down.
  static relaxed_schema* const schema = new relaxed_schema;
  return *schema;
}

void set_why(std::string* why, std::string text) {
  if (why) *why = std::move(text);
}

using google::protobuf::FieldDescriptor;

bool is_text(const FieldDescriptor* field) { return field->type() == FieldDescriptor::TYPE_STRING; }

bool valid_utf8(std::string_view text) {
  return text.size() <= static_cast<std::size_t>(std::numeric_limits<int>::max()) &&
         google::protobuf::internal::IsStructurallyValidUTF8(text.data(), static_cast<int>(text.size()));
}

std::string element_name(const FieldDescriptor* field, int index) {
  return index < 0 ? field->name() : field->name() + "[" + std::to_string(index) + "]";
}

// Calls visit(message, field, index, text) for every string field that is set
// (index -1 for a singular one), depth-first in field-number order, so the
// same field comes first every time; stops at the first visit that returns
// true, naming that field in `path` ("accept.operations[0].launch..."). M is
// a const Message to read, a Message to change the text through `visit`.
template <class M, class Visit>
bool visit_text(M& message, Visit& visit, std::string& path) {
  const auto* reflection = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const auto* field : fields) {
    const bool repeated = field->is_repeated();
    const int count = repeated ? reflection->FieldSize(message, field) : 1;
    for (int i = 0; i < count; ++i) {
      const int index = repeated ? i : -1;
      if (is_text(field)) {
        std::string scratch;
        const std::string& text = repeated ? reflection->GetRepeatedStringReference(message, field, i, &scratch)
                                           : reflection->GetStringReference(message, field, &scratch);
        if (visit(message, field, index, text)) {
          path = element_name(field, index);
          return true;
        }
      } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        M* nested;
        if constexpr (std::is_const_v<M>) {
          nested =
              repeated ? &reflection->GetRepeatedMessage(message, field, i) : &reflection->GetMessage(message, field);
        } else {
          nested = repeated ? reflection->MutableRepeatedMessage(&message, field, i)
                            : reflection->MutableMessage(&message, field);
        }
        if (visit_text(*nested, visit, path)) {
          path = element_name(field, index) + "." + path;
          return true;
        }
      }
    }
  }
  return false;
}

std::optional<std::string> first_invalid_utf8(const google::protobuf::Message& message) {
  int valid_prefix = 0;
  auto invalid = [&](const google::protobuf::Message&, const FieldDescriptor*, int, const std::string& text) {
    if (valid_utf8(text)) return false;
    valid_prefix = google::protobuf::internal::UTF8SpnStructurallyValid(text);
    return true;
  };
  std::string path;
  if (!visit_text(message, invalid, path)) return std::nullopt;
  return path + " (byte " + std::to_string(valid_prefix) + ")";
}

std::string coerced(std::string_view text) {
  std::string out(text.size(), '\0');
  const char* result = google::protobuf::internal::UTF8CoerceToStructurallyValid(
      google::protobuf::StringPiece(text.data(), text.size()), out.data(), '?');
  return result == text.data() ? std::string(text) : out;
}

std::size_t coerce_fields(google::protobuf::Message& message) {
  std::size_t changed = 0;
  auto coerce = [&](google::protobuf::Message& owner, const FieldDescriptor* field, int index,
                    const std::string& text) {
    if (valid_utf8(text)) return false;
    const auto* reflection = owner.GetReflection();
    if (index < 0)
      reflection->SetString(&owner, field, coerced(text));
    else
      reflection->SetRepeatedString(&owner, field, index, coerced(text));
    ++changed;
    return false;  // on to the next field
  };
  std::string unused;
  visit_text(message, coerce, unused);
  return changed;
}

}  // namespace

std::string_view content_type(encoding e) noexcept {
  return e == encoding::json ? json_content_type : protobuf_content_type;
}

std::string_view to_string(encoding e) noexcept { return e == encoding::json ? "json" : "protobuf"; }

std::optional<encoding> encoding_from_content_type(std::string_view value) noexcept {
  if (media_type_is(value, protobuf_content_type)) return encoding::protobuf;
  if (media_type_is(value, json_content_type)) return encoding::json;
  return std::nullopt;
}

std::error_code encode(const google::protobuf::Message& message, encoding e, std::string& out, std::string* why) {
  out.clear();
  if (!message.IsInitialized()) {
    set_why(why, message.GetTypeName() + " lacks required fields: " + message.InitializationErrorString());
    return error::encode_failed;
  }
  if (e == encoding::protobuf) {
    if (!message.SerializeToString(&out)) {
      set_why(why, "cannot serialise " + message.GetTypeName());
      return error::encode_failed;
    }
    return {};
  }
  // The JSON printer passes invalid UTF-8 through, mangled, and no JSON parser
  // (the master's included) accepts the result: refuse, naming the field.
  if (auto bad = first_invalid_utf8(message)) {
    set_why(why, message.GetTypeName() + "." + *bad +
                     " is not valid UTF-8, which JSON cannot carry (the protobuf encoding can)");
    return error::encode_failed;
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

std::error_code encode_coercing_utf8(const google::protobuf::Message& message, encoding e, std::string& out,
                                     std::string* why) {
  const auto ec = encode(message, e, out, why);
  if (!ec || e != encoding::json) return ec;
  std::unique_ptr<google::protobuf::Message> copy(message.New());
  copy->CopyFrom(message);
  // Nothing coerced: the failure was another one, already described.
  if (coerce_fields(*copy) == 0) return ec;
  return encode(*copy, e, out, why);
}

std::error_code decode(std::string_view bytes, encoding e, google::protobuf::Message& out, std::string* why) {
  out.Clear();
  if (e == encoding::protobuf) {
    if (bytes.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()) ||
        !out.ParsePartialFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      out.Clear();
      set_why(why, "not a valid protobuf " + out.GetTypeName() + " (" + std::to_string(bytes.size()) + " bytes)");
      return error::decode_failed;
    }
  } else {
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = true;
    std::string problem;
    auto wire = relaxed().to_wire(bytes, out.GetDescriptor(), options, problem);
    if (!wire && !valid_utf8(bytes)) {
      // A master's JSON writer passes a string's bytes through as they are
      // (an executor's status message, a task name sent in protobuf), and the
      // JSON parser refuses the whole event for them. Read them as '?': the
      // bytes replaced are never JSON syntax, and the event is not lost.
      wire = relaxed().to_wire(coerced(bytes), out.GetDescriptor(), options, problem);
    }
    if (!wire || !out.ParsePartialFromString(*wire)) {
      out.Clear();
      set_why(why, "not a valid JSON " + out.GetTypeName() + ": " +
                       (wire ? std::string("transcoded bytes do not parse") : problem));
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

std::optional<std::string> find_invalid_utf8(const google::protobuf::Message& message) {
  return first_invalid_utf8(message);
}

std::size_t coerce_to_utf8(google::protobuf::Message& message) { return coerce_fields(message); }

}  // namespace mesoshttp
