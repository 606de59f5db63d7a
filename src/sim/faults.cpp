// Injected faults on the leader's event streams (and connections): records
// cut in half, garbage, ERROR events, offer bursts and floods, resets.
#include "cluster_impl.hpp"
#include "connection.hpp"
#include "mesoshttp/recordio.hpp"

namespace mesoshttp::sim {

void cluster::impl::cut_now() {
  Event e;
  e.set_type(Event::HEARTBEAT);
  for_each_stream([&](connection& c) {
    std::string record;
    std::string why;
    if (encode(e, c.enc, record, &why)) {
      report_encode_failure(e, why);
      return;
    }
    std::string framed;
    recordio::encode(record, framed);
    std::string chunk;
    detail::append_chunk(chunk, std::string_view(framed).substr(0, framed.size() / 2 + 1));
    c.send(std::move(chunk));
    c.close_when_written();
  });
}

void cluster::impl::error_now(const std::string& message) {
  Event e;
  e.set_type(Event::ERROR);
  e.mutable_error()->set_message(message);
  for_each_stream([&](connection& c) { c.send_event(e); });
}

void cluster::impl::garbage_now() {
  for_each_stream([&](connection& c) {
    std::string chunk;
    detail::append_chunk(chunk, "this is not RecordIO\n{\"type\":\"HEARTBEAT\"}");
    c.send(std::move(chunk));
  });
}

void cluster::impl::reset_now() {
  for (auto& m : masters) {
    auto conns = m->connections;
    for (auto& [id, weak] : conns)
      if (auto c = weak.lock()) c->reset();
  }
}

Event cluster::impl::fake_offers(const std::string& framework_id, std::size_t n) {
  Event e;
  e.set_type(Event::OFFERS);
  const std::string prefix = leader_index ? masters[*leader_index]->id : agent_prefix;
  for (std::size_t i = 0; i < n; ++i) {
    mesos::v1::Offer* o = e.mutable_offers()->add_offers();
    o->mutable_id()->set_value(prefix + "-O" + std::to_string(next_offer++));
    o->mutable_framework_id()->set_value(framework_id);
    o->mutable_agent_id()->set_value(agent_prefix + "-S" + std::to_string(100000 + i));
    o->set_hostname("burst-agent-" + std::to_string(i));
    const auto scalar = [&](const char* name, double v) {
      auto* r = o->add_resources();
      *r = detail::scalar_resource(name, v);
      r->set_role("*");
      r->mutable_allocation_info()->set_role("*");
    };
    auto* ports = o->add_resources();
    ports->set_name("ports");
    ports->set_type(mesos::v1::Value::RANGES);
    auto* range = ports->mutable_ranges()->add_range();
    range->set_begin(31000);
    range->set_end(32000);
    ports->set_role("*");
    ports->mutable_allocation_info()->set_role("*");
    scalar("cpus", 8);
    scalar("mem", 32768);
    scalar("disk", 262144);
    o->mutable_allocation_info()->set_role("*");
  }
  return e;
}

void cluster::impl::burst_now(std::size_t n) {
  for_each_stream([&](connection& c) { c.send_event(fake_offers(c.framework_id, n)); });
}

std::size_t cluster::impl::flood_now(std::size_t events, flood_shape shape, std::size_t per_event) {
  std::size_t streams = 0;
  for_each_stream([&](connection& c) {
    Event e;
    if (shape == flood_shape::heartbeat) {
      e.set_type(Event::HEARTBEAT);
    } else if (shape == flood_shape::update) {
      e.set_type(Event::UPDATE);
      TaskStatus* s = e.mutable_update()->mutable_status();
      s->mutable_task_id()->set_value("mesos-sim-flood");
      s->set_state(mesos::v1::TASK_RUNNING);
      s->set_source(TaskStatus::SOURCE_MASTER);
      s->set_timestamp(detail::now_seconds());
    } else {
      e = fake_offers(c.framework_id, per_event);
    }
    std::string record;
    std::string why;
    if (encode(e, c.enc, record, &why)) {
      report_encode_failure(e, why);
      return;
    }
    std::string framed;
    recordio::encode(record, framed);
    c.flood_record.clear();
    detail::append_chunk(c.flood_record, framed);
    c.flood_left += events;
    c.write_next();
    ++streams;
  });
  return streams;
}

}  // namespace mesoshttp::sim
