// Builds calls with mesoshttp::calls, encodes them in both encodings and
// decodes a RecordIO-framed event: the public API as an installed package.
#include <mesoshttp/calls.hpp>
#include <mesoshttp/codec.hpp>
#include <mesoshttp/recordio.hpp>

#include <google/protobuf/util/message_differencer.h>

#include <cstdio>
#include <string>

namespace {

int failures = 0;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "FAILED: %s\n", what);
    ++failures;
  }
}

}  // namespace

int main() {
  namespace calls = mesoshttp::calls;
  using google::protobuf::util::MessageDifferencer;

  mesos::v1::FrameworkInfo framework;
  framework.set_user("nobody");
  framework.set_name("consumer");
  const mesos::v1::scheduler::Call subscribe = calls::subscribe(framework);
  const mesos::v1::scheduler::Call decline = calls::decline(std::vector<std::string>{"offer-1"}, calls::filters(10));

  for (const auto& call : {subscribe, decline}) {
    for (auto e : {mesoshttp::encoding::protobuf, mesoshttp::encoding::json}) {
      std::string bytes, why;
      check(!mesoshttp::encode(call, e, bytes, &why), "encode");
      mesos::v1::scheduler::Call back;
      check(!mesoshttp::decode(bytes, e, back, &why), "decode call");
      check(MessageDifferencer::Equals(call, back), "call round trip");
    }
  }

  mesos::v1::scheduler::Event event;
  event.set_type(mesos::v1::scheduler::Event::SUBSCRIBED);
  event.mutable_subscribed()->mutable_framework_id()->set_value("fw-1");
  event.mutable_subscribed()->set_heartbeat_interval_seconds(15);
  std::string record;
  check(!mesoshttp::encode(event, mesoshttp::encoding::json, record), "encode event");
  const std::string stream = mesoshttp::recordio::encode(record);

  mesoshttp::recordio::decoder decoder;
  int events = 0;
  auto on_record = [&](std::string_view r) {
    mesos::v1::scheduler::Event got;
    check(!mesoshttp::decode(r, mesoshttp::encoding::json, got), "decode event");
    check(got.subscribed().framework_id().value() == "fw-1", "event content");
    ++events;
  };
  // Split inside the record, as a network read would.
  check(!decoder.feed(std::string_view(stream).substr(0, 5), on_record), "feed 1");
  check(!decoder.feed(std::string_view(stream).substr(5), on_record), "feed 2");
  check(!decoder.finish(), "finish");
  check(events == 1, "one event");

  if (failures) return 1;
  std::puts("mesoshttp consumer: ok");
  return 0;
}
