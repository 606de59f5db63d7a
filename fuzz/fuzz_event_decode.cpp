// Event decoding in both encodings: anything goes in; what decodes must
// re-encode and decode again to an equal message, and a failure must leave
// the message empty (a half-filled event is never passed on). Text that is
// not UTF-8 (protobuf allows it) must be refused by the JSON encoder, never
// printed as JSON that no parser reads, and must encode once coerced.
#include <cstdint>
#include <cstdlib>
#include <string>

#include <google/protobuf/util/field_comparator.h>
#include <google/protobuf/util/message_differencer.h>

#include "fuzz_input.hpp"
#include "mesoshttp/codec.hpp"
#include "mesoshttp/error.hpp"
#include "mesos/v1/scheduler/scheduler.pb.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  mesoshttp::fuzz::input in(data, size);
  const auto enc = (in.byte() & 1) ? mesoshttp::encoding::json : mesoshttp::encoding::protobuf;
  mesos::v1::scheduler::Event event;
  std::string why;
  if (mesoshttp::decode(in.rest(), enc, event, &why)) {
    if (event.ByteSizeLong() != 0) std::abort();
    return 0;
  }
  // A NaN double (e.g. heartbeat_interval_seconds with all bits set) survives
  // the trip but is never equal to itself; compare it as equal.
  google::protobuf::util::DefaultFieldComparator comparator;
  comparator.set_treat_nan_as_equal(true);
  google::protobuf::util::MessageDifferencer differencer;
  differencer.set_field_comparator(&comparator);
  for (auto out_enc : {mesoshttp::encoding::protobuf, mesoshttp::encoding::json}) {
    std::string bytes;
    if (const auto err = mesoshttp::encode(event, out_enc, bytes, &why)) {
      if (out_enc != mesoshttp::encoding::json || err != mesoshttp::error::encode_failed ||
          !mesoshttp::find_invalid_utf8(event) || !bytes.empty())
        std::abort();
      mesos::v1::scheduler::Event coerced = event;
      if (mesoshttp::coerce_to_utf8(coerced) == 0 || mesoshttp::find_invalid_utf8(coerced)) std::abort();
      if (mesoshttp::encode(coerced, out_enc, bytes, &why)) std::abort();
      mesos::v1::scheduler::Event again;
      if (mesoshttp::decode(bytes, out_enc, again, &why)) std::abort();
      continue;
    }
    mesos::v1::scheduler::Event again;
    if (mesoshttp::decode(bytes, out_enc, again, &why)) std::abort();
    // JSON cannot carry unknown fields, and doubles may round; compare only the protobuf trip.
    if (out_enc == mesoshttp::encoding::protobuf && !differencer.Compare(event, again)) std::abort();
  }
  return 0;
}
