// Realistic scheduler events for the benchmarks, the fuzz seed generator and
// the soak test: what a framework sees from a real cluster (offers from agents
// with resources, reservations and attributes; task updates with container
// status), built deterministically so runs are comparable.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "mesoshttp/codec.hpp"
#include "mesoshttp/recordio.hpp"
#include "mesos/v1/scheduler/scheduler.pb.h"

namespace mesoshttp::bench {

inline void add_scalar(mesos::v1::Offer& o, const char* name, double value, const char* role = "*") {
  auto* r = o.add_resources();
  r->set_name(name);
  r->set_type(mesos::v1::Value::SCALAR);
  r->mutable_scalar()->set_value(value);
  r->mutable_allocation_info()->set_role(role);
}

inline mesos::v1::scheduler::Event offers_event(std::size_t offers, std::size_t seed = 0) {
  mesos::v1::scheduler::Event e;
  e.set_type(mesos::v1::scheduler::Event::OFFERS);
  for (std::size_t i = 0; i < offers; ++i) {
    const std::string n = std::to_string(seed * 1000 + i);
    mesos::v1::Offer* o = e.mutable_offers()->add_offers();
    o->mutable_id()->set_value("5f0e8f4c-1b2a-4c3d-9e8f-0a1b2c3d4e5f-O" + n);
    o->mutable_framework_id()->set_value("5f0e8f4c-1b2a-4c3d-9e8f-0a1b2c3d4e5f-0001");
    o->mutable_agent_id()->set_value("5f0e8f4c-1b2a-4c3d-9e8f-0a1b2c3d4e5f-S" + n);
    o->set_hostname("agent-" + n + ".rack-" + std::to_string(i % 16) + ".dc1.example.internal");
    o->mutable_url()->set_scheme("http");
    o->mutable_url()->mutable_address()->set_hostname(o->hostname());
    o->mutable_url()->mutable_address()->set_ip("10.1." + std::to_string(i % 250) + ".7");
    o->mutable_url()->mutable_address()->set_port(5051);
    o->mutable_url()->set_path("/slave(1)");
    o->mutable_allocation_info()->set_role("*");
    add_scalar(*o, "cpus", 32);
    add_scalar(*o, "mem", 257000);
    add_scalar(*o, "disk", 1800000);
    add_scalar(*o, "gpus", 0);
    auto* ports = o->add_resources();
    ports->set_name("ports");
    ports->set_type(mesos::v1::Value::RANGES);
    ports->mutable_allocation_info()->set_role("*");
    auto* r1 = ports->mutable_ranges()->add_range();
    r1->set_begin(31000);
    r1->set_end(31999);
    auto* r2 = ports->mutable_ranges()->add_range();
    r2->set_begin(33000);
    r2->set_end(34999);
    // A dynamically reserved slice, as production clusters carry.
    auto* reserved = o->add_resources();
    reserved->set_name("cpus");
    reserved->set_type(mesos::v1::Value::SCALAR);
    reserved->mutable_scalar()->set_value(4);
    reserved->mutable_allocation_info()->set_role("analytics");
    auto* res = reserved->add_reservations();
    res->set_type(mesos::v1::Resource::ReservationInfo::DYNAMIC);
    res->set_role("analytics");
    res->set_principal("ops");
    const char* text_attrs[][2] = {
        {"rack", "r12"}, {"zone", "eu-west-1b"}, {"os", "debian-12"}, {"instance_type", "m5.8xlarge"}};
    for (const auto& [name, value] : text_attrs) {
      auto* a = o->add_attributes();
      a->set_name(name);
      a->set_type(mesos::v1::Value::TEXT);
      a->mutable_text()->set_value(value);
    }
    auto* gen = o->add_attributes();
    gen->set_name("generation");
    gen->set_type(mesos::v1::Value::SCALAR);
    gen->mutable_scalar()->set_value(5);
  }
  return e;
}

inline mesos::v1::scheduler::Event update_event(std::size_t n) {
  mesos::v1::scheduler::Event e;
  e.set_type(mesos::v1::scheduler::Event::UPDATE);
  auto* s = e.mutable_update()->mutable_status();
  s->mutable_task_id()->set_value("web-frontend.instance-" + std::to_string(n) + ".7c1e0a2b");
  s->set_state(mesos::v1::TASK_RUNNING);
  s->set_source(mesos::v1::TaskStatus::SOURCE_EXECUTOR);
  s->set_reason(mesos::v1::TaskStatus::REASON_TASK_HEALTH_CHECK_STATUS_UPDATED);
  s->set_message("health check passed");
  s->mutable_agent_id()->set_value("5f0e8f4c-1b2a-4c3d-9e8f-0a1b2c3d4e5f-S" + std::to_string(n % 97));
  s->mutable_executor_id()->set_value("web-frontend.instance-" + std::to_string(n) + ".7c1e0a2b");
  s->set_timestamp(1700000000.125 + static_cast<double>(n));
  s->set_uuid(std::string("\x12\x34\x56\x78\x9a\xbc\x4d\xef\x80\x11\x22\x33\x44\x55\x66", 15) +
              static_cast<char>(n & 0x7f));
  s->set_healthy(true);
  auto* net = s->mutable_container_status()->add_network_infos();
  net->add_ip_addresses()->set_ip_address("10.2." + std::to_string(n % 250) + ".19");
  auto* l = s->mutable_labels()->add_labels();
  l->set_key("app");
  l->set_value("web-frontend");
  return e;
}

inline mesos::v1::scheduler::Event heartbeat_event() {
  mesos::v1::scheduler::Event e;
  e.set_type(mesos::v1::scheduler::Event::HEARTBEAT);
  return e;
}

inline std::string encoded(const google::protobuf::Message& m, encoding enc) {
  std::string out;
  if (encode(m, enc, out)) throw std::runtime_error("cannot encode benchmark event");
  return out;
}

// A stream of `count` records: the events, framed.
struct event_stream_bytes {
  std::vector<std::string> records;  // pre-split (the baseline's input)
  std::string stream;                // RecordIO-framed (what arrives on the socket)
};

template <class Make>
event_stream_bytes make_stream(std::size_t count, encoding enc, Make make) {
  event_stream_bytes s;
  for (std::size_t i = 0; i < count; ++i) {
    s.records.push_back(encoded(make(i), enc));
    recordio::encode(s.records.back(), s.stream);
  }
  return s;
}

}  // namespace mesoshttp::bench
