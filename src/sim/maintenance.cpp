// Maintenance on the simulated master: a schedule per agent, which offers of
// the agent carry, and inverse offers to the frameworks that use the agent,
// which they accept or decline.
#include "cluster_impl.hpp"

namespace mesoshttp::sim {

void cluster::impl::schedule_maintenance_now(std::size_t agent, mesos::v1::Unavailability unavailability) {
  // A new schedule replaces the old one: its inverse offers are rescinded.
  cancel_maintenance_now(agent);
  agents[agent].maintenance = std::move(unavailability);
  send_inverse_offers();
}

void cluster::impl::cancel_maintenance_now(std::size_t agent) {
  sim_agent& a = agents[agent];
  if (!a.maintenance) return;
  a.maintenance.reset();
  a.inverse_offered.clear();
  for (auto& [id, io] : inverse_offers) {
    if (io.agent != agent || io.state != cluster::inverse_offer_record::status::outstanding) continue;
    io.state = cluster::inverse_offer_record::status::rescinded;
    const auto fw = frameworks.find(io.framework_id);
    if (fw == frameworks.end()) continue;
    Event e;
    e.set_type(Event::RESCIND_INVERSE_OFFER);
    e.mutable_rescind_inverse_offer()->mutable_inverse_offer_id()->set_value(id);
    send_event(*fw->second, e);
  }
}

// Frameworks that use an agent under maintenance (tasks that are not
// terminal, or outstanding offers) get one inverse offer for it.
void cluster::impl::send_inverse_offers() {
  if (!leader_serving()) return;
  std::map<sim_framework*, Event> events;
  for (std::size_t ai = 0; ai < agents.size(); ++ai) {
    sim_agent& a = agents[ai];
    if (!a.maintenance || a.gone) continue;
    for (auto& [fw_id, fw] : frameworks) {
      if (!fw->connected || a.inverse_offered.count(fw_id)) continue;
      bool uses = false;
      for (const auto& [tid, t] : fw->tasks)
        if (t->agent == ai && !is_terminal(t->state)) uses = true;
      for (const auto& [oid, o] : offers)
        if (o.agent == ai && o.framework_id == fw_id) uses = true;
      if (!uses) continue;
      a.inverse_offered.insert(fw_id);
      const std::string id = new_offer_id();
      inverse_offers[id] = sim_inverse_offer{fw_id, ai};
      auto& ev = events[fw.get()];
      ev.set_type(Event::INVERSE_OFFERS);
      mesos::v1::InverseOffer* io = ev.mutable_inverse_offers()->add_inverse_offers();
      io->mutable_id()->set_value(id);
      io->mutable_framework_id()->set_value(fw_id);
      io->mutable_agent_id()->set_value(a.id);
      *io->mutable_url() = agent_url(a);
      *io->mutable_unavailability() = *a.maintenance;
      // No resources: the whole agent is going away.
    }
  }
  for (auto& [fw, ev] : events) send_event(*fw, ev);
}

void cluster::impl::answer_inverse_offers(sim_framework& fw,
                                          const google::protobuf::RepeatedPtrField<mesos::v1::OfferID>& ids,
                                          bool accepted) {
  // Unknown ids and other frameworks' are ignored, as unknown offers are.
  for (const auto& id : ids) {
    const auto it = inverse_offers.find(id.value());
    if (it == inverse_offers.end() || it->second.framework_id != fw.id ||
        it->second.state != cluster::inverse_offer_record::status::outstanding)
      continue;
    it->second.state =
        accepted ? cluster::inverse_offer_record::status::accepted : cluster::inverse_offer_record::status::declined;
  }
}

void cluster::impl::forget_inverse_offers(const std::string& framework_id) {
  // A framework that goes away drops its outstanding inverse offers without
  // an event; it gets new ones when it comes back and still uses the agent.
  for (auto& [id, io] : inverse_offers) {
    if (io.framework_id != framework_id || io.state != cluster::inverse_offer_record::status::outstanding) continue;
    io.state = cluster::inverse_offer_record::status::rescinded;
    agents[io.agent].inverse_offered.erase(framework_id);
  }
}

}  // namespace mesoshttp::sim
