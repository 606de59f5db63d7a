// Shared helpers of the simulator's socket tests: a subscribed framework.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "mesoshttp/sim/cluster.hpp"
#include "sim_client.hpp"

namespace simtest {

using mesos::v1::scheduler::Call;
using mesos::v1::scheduler::Event;
using mesoshttp::encoding;

// A framework subscribed to `port`, with its stream and a way to make calls.
struct framework {
  std::uint16_t port;
  encoding enc;
  std::unique_ptr<event_stream> stream;
  std::string id;

  framework(std::uint16_t p, encoding e, const Call& subscribe = subscribe_call()) : port(p), enc(e) {
    stream = std::make_unique<event_stream>(port, encode_call(subscribe, enc), enc,
                                            std::string(mesoshttp::content_type(enc)));
    if (auto ev = stream->next(); ev && ev->type() == Event::SUBSCRIBED) id = ev->subscribed().framework_id().value();
  }
  bool ok() const { return stream->head().status == 200 && !id.empty(); }
  std::string stream_id() const { return stream->stream_id(); }

  std::optional<reply> call(Call c) {
    c.mutable_framework_id()->set_value(id);
    return post(port, encode_call(c, enc), call_headers(enc, stream_id()));
  }
  std::optional<Event> next_of(Event::Type t) { return stream->next_of(t); }

  // Waits for an OFFERS event and returns its first offer.
  std::optional<mesos::v1::Offer> offer() {
    auto e = next_of(Event::OFFERS);
    if (!e || e->offers().offers_size() == 0) return std::nullopt;
    return e->offers().offers(0);
  }
  std::optional<reply> acknowledge(const mesos::v1::TaskStatus& s) {
    Call c;
    c.set_type(Call::ACKNOWLEDGE);
    c.mutable_acknowledge()->mutable_agent_id()->CopyFrom(s.agent_id());
    c.mutable_acknowledge()->mutable_task_id()->CopyFrom(s.task_id());
    c.mutable_acknowledge()->set_uuid(s.uuid());
    return call(c);
  }
};

inline mesos::v1::Resource scalar(const std::string& name, double v) {
  mesos::v1::Resource r;
  r.set_name(name);
  r.set_type(mesos::v1::Value::SCALAR);
  r.mutable_scalar()->set_value(v);
  return r;
}

inline Call launch_call(const mesos::v1::Offer& offer, const std::string& task_id, double cpus, double mem,
                        const std::string& command = "true", double refuse_seconds = 0) {
  Call c;
  c.set_type(Call::ACCEPT);
  c.mutable_accept()->add_offer_ids()->CopyFrom(offer.id());
  auto* op = c.mutable_accept()->add_operations();
  op->set_type(mesos::v1::Offer::Operation::LAUNCH);
  auto* t = op->mutable_launch()->add_task_infos();
  t->set_name(task_id);
  t->mutable_task_id()->set_value(task_id);
  t->mutable_agent_id()->CopyFrom(offer.agent_id());
  *t->add_resources() = scalar("cpus", cpus);
  *t->add_resources() = scalar("mem", mem);
  t->mutable_command()->set_value(command);
  c.mutable_accept()->mutable_filters()->set_refuse_seconds(refuse_seconds);
  return c;
}

inline std::string enc_name(const ::testing::TestParamInfo<encoding>& info) {
  return info.param == encoding::json ? "json" : "protobuf";
}

inline mesoshttp::sim::cluster_config fast_config() {
  mesoshttp::sim::cluster_config cfg;
  cfg.heartbeat_interval = std::chrono::milliseconds(200);
  cfg.offer_interval = std::chrono::milliseconds(50);
  cfg.task_run_time = std::chrono::milliseconds(50);
  return cfg;
}

}  // namespace simtest
