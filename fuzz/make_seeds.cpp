// Writes the seed corpora (fuzz/corpus/<target>/) from events and calls built
// here, so no outside data enters the project. Run once after changing it:
//   build/fuzz/fuzz_make_seeds fuzz/corpus
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "events.hpp"
#include "mesos/v1/executor/executor.pb.h"
#include "mesos/v1/master/master.pb.h"
#include "mesoshttp/calls.hpp"

namespace {

using mesos::v1::scheduler::Call;
using mesos::v1::scheduler::Event;
using mesoshttp::encoding;
using mesoshttp::bench::encoded;

std::filesystem::path root;

void write(const std::string& target, const std::string& name, const std::string& bytes) {
  std::filesystem::create_directories(root / target);
  std::ofstream(root / target / name, std::ios::binary) << bytes;
}

Event subscribed() {
  Event e;
  e.set_type(Event::SUBSCRIBED);
  e.mutable_subscribed()->mutable_framework_id()->set_value("fw-0001");
  e.mutable_subscribed()->set_heartbeat_interval_seconds(15);
  return e;
}

Event error_event() {
  Event e;
  e.set_type(Event::ERROR);
  e.mutable_error()->set_message("Framework has been removed");
  return e;
}

std::string chunked(const std::string& body) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", body.size());
  return std::string(size) + body + "\r\n";
}

}  // namespace

int main(int argc, char** argv) {
  root = argc > 1 ? argv[1] : "corpus";
  const Event events[] = {subscribed(),
                          mesoshttp::bench::heartbeat_event(),
                          mesoshttp::bench::update_event(3),
                          mesoshttp::bench::offers_event(1),
                          mesoshttp::bench::offers_event(3),
                          error_event()};
  const char* names[] = {"subscribed", "heartbeat", "update", "offers1", "offers3", "error"};

  // Event decoding: first byte picks the encoding.
  for (std::size_t i = 0; i < std::size(events); ++i) {
    write("event_decode", std::string(names[i]) + ".pb", std::string(1, '\0') + encoded(events[i], encoding::protobuf));
    write("event_decode", std::string(names[i]) + ".json", std::string(1, '\1') + encoded(events[i], encoding::json));
  }

  // RecordIO: limit byte, four piece sizes, then a framed stream.
  for (auto enc : {encoding::protobuf, encoding::json}) {
    std::string stream;
    for (const auto& e : events) mesoshttp::recordio::encode(encoded(e, enc), stream);
    const std::string tag = enc == encoding::json ? "json" : "pb";
    write("recordio", "stream." + tag, std::string("\xff\x00\x06\x3f\xff", 5) + stream);
    write("recordio", "stream-bytewise." + tag, std::string("\xff\x00\x00\x00\x00", 5) + stream);
    write("recordio", "stream-small-limit." + tag, std::string("\x01\x07\x01\x20\x02", 5) + stream);
  }
  write("recordio", "bad-length", std::string("\x10\x03\x03\x03\x03", 5) + "12x\nabc");
  write("recordio", "zero-length", std::string("\x10\x03\x03\x03\x03", 5) + "0\n");
  write("recordio", "overflow", std::string("\x10\x03\x03\x03\x03", 5) + "99999999999999999999999\n");
  write("recordio", "truncated", std::string("\x10\x03\x03\x03\x03", 5) + "10\nabc");

  // HTTP answers: three piece sizes, a flag (start at the https master), the bytes.
  const std::string ctl("\x20\x05\xff\x00", 4);
  std::string stream;
  for (const auto& e : events) mesoshttp::recordio::encode(encoded(e, encoding::protobuf), stream);
  write("http_response", "subscribe-200",
        ctl +
            "HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nMesos-Stream-Id: "
            "0a1b2c3d-0000-4000-8000-000000000001\r\nTransfer-Encoding: chunked\r\n\r\n" +
            chunked(stream.substr(0, 40)) + chunked(stream.substr(40)) + "0\r\n\r\n");
  write("http_response", "redirect-307",
        ctl +
            "HTTP/1.1 307 Temporary Redirect\r\nLocation: //127.0.0.1:5051/master/api/v1/scheduler\r\n"
            "Content-Length: 0\r\n\r\n");
  write("http_response", "redirect-307-https",
        std::string("\x20\x05\xff\x01", 4) +
            "HTTP/1.1 307 Temporary Redirect\r\nLocation: http://10.0.0.2:5050/master/api/v1/scheduler?x=1\r\n"
            "Content-Length: 0\r\n\r\n");
  write("http_response", "redirect-ipv6",
        ctl + "HTTP/1.1 307 Temporary Redirect\r\nLocation: //[::1]:5050/master/api/v1/scheduler\r\n\r\n");
  write("http_response", "unavailable-503",
        ctl +
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
            "Content-Length: 32\r\n\r\nMaster has not finished recovery");
  write("http_response", "accepted-202", ctl + "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n");
  write("http_response", "master-url", ctl + "http://user:secret@127.0.0.1:5050/path");

  // Simulator requests: presence flags, then method, target, content type,
  // accept, stream id (NUL separated) and the body.
  const auto request = [](std::string_view ct, std::string_view accept, std::string_view stream_id,
                          const std::string& body) {
    return std::string("\x07POST\0/api/v1/scheduler\0", 24) + std::string(ct) + '\0' + std::string(accept) + '\0' +
           std::string(stream_id) + '\0' + body;
  };
  Call subscribe;
  subscribe.set_type(Call::SUBSCRIBE);
  subscribe.mutable_subscribe()->mutable_framework_info()->set_user("root");
  subscribe.mutable_subscribe()->mutable_framework_info()->set_name("seed");
  Call decline = mesoshttp::calls::decline(std::vector<std::string>{"O1"});
  decline.mutable_framework_id()->set_value("fw-0001");
  Call accept;
  accept.set_type(Call::ACCEPT);
  accept.mutable_framework_id()->set_value("fw-0001");
  accept.mutable_accept()->add_offer_ids()->set_value("O1");
  for (auto enc : {encoding::protobuf, encoding::json}) {
    const std::string ct(mesoshttp::content_type(enc));
    const std::string tag = enc == encoding::json ? "json" : "pb";
    write("sim_request", "subscribe." + tag, request(ct, ct, "", encoded(subscribe, enc)));
    write("sim_request", "decline." + tag,
          request(ct, ct, "0a1b2c3d-0000-4000-8000-000000000001", encoded(decline, enc)));
    write("sim_request", "accept." + tag,
          request(ct, ct, "0a1b2c3d-0000-4000-8000-000000000001", encoded(accept, enc)));
  }
  write("sim_request", "get", std::string("\x00GET\0/api/v1/scheduler\0\0\0\0", 26));

  // Operator events: the encoding byte, then a RecordIO stream of a cluster's
  // life: a snapshot, a framework running a task to its end, agents coming
  // and going, and events naming what is not known.
  {
    namespace master = mesos::v1::master;
    auto event = [](master::Event::Type type) {
      master::Event e;
      e.set_type(type);
      return e;
    };
    auto resources = [](auto* out) {
      *out->Add() = mesoshttp::calls::scalar("cpus", 0.5);
      *out->Add() = mesoshttp::calls::scalar("mem", 64);
    };
    auto agent = [&](master::Response::GetAgents::Agent* a, const std::string& id) {
      a->mutable_agent_info()->mutable_id()->set_value(id);
      a->mutable_agent_info()->set_hostname(id + ".example");
      a->set_active(true);
      a->set_version("1.11.0");
      resources(a->mutable_total_resources());
    };
    auto framework = [](master::Response::GetFrameworks::Framework* f, const std::string& id) {
      f->mutable_framework_info()->mutable_id()->set_value(id);
      f->mutable_framework_info()->set_name("seed");
      f->mutable_framework_info()->set_user("root");
      f->set_active(true);
      f->set_connected(true);
      f->set_recovered(false);
    };
    auto task = [&](mesos::v1::Task* t, const std::string& id, const std::string& agent_id,
                    mesos::v1::TaskState state) {
      t->set_name(id);
      t->mutable_task_id()->set_value(id);
      t->mutable_framework_id()->set_value("F1");
      t->mutable_agent_id()->set_value(agent_id);
      t->set_state(state);
      resources(t->mutable_resources());
    };
    auto updated = [&](const std::string& id, mesos::v1::TaskState state) {
      auto e = event(master::Event::TASK_UPDATED);
      e.mutable_task_updated()->mutable_framework_id()->set_value("F1");
      e.mutable_task_updated()->set_state(state);
      e.mutable_task_updated()->mutable_status()->mutable_task_id()->set_value(id);
      e.mutable_task_updated()->mutable_status()->set_state(state);
      return e;
    };
    auto snapshot = event(master::Event::SUBSCRIBED);
    auto* state = snapshot.mutable_subscribed()->mutable_get_state();
    snapshot.mutable_subscribed()->set_heartbeat_interval_seconds(15);
    agent(state->mutable_get_agents()->add_agents(), "S0");
    framework(state->mutable_get_frameworks()->add_frameworks(), "F1");
    framework(state->mutable_get_frameworks()->add_completed_frameworks(), "F0");
    task(state->mutable_get_tasks()->add_tasks(), "t0", "S0", mesos::v1::TASK_RUNNING);
    task(state->mutable_get_tasks()->add_completed_tasks(), "old", "S0", mesos::v1::TASK_FINISHED);
    auto added = event(master::Event::TASK_ADDED);
    task(added.mutable_task_added()->mutable_task(), "t1", "S1", mesos::v1::TASK_STAGING);
    auto agent_added = event(master::Event::AGENT_ADDED);
    agent(agent_added.mutable_agent_added()->mutable_agent(), "S1");
    auto framework_added = event(master::Event::FRAMEWORK_ADDED);
    framework(framework_added.mutable_framework_added()->mutable_framework(), "F2");
    auto framework_removed = event(master::Event::FRAMEWORK_REMOVED);
    framework_removed.mutable_framework_removed()->mutable_framework_info()->mutable_id()->set_value("F2");
    framework_removed.mutable_framework_removed()->mutable_framework_info()->set_user("root");
    framework_removed.mutable_framework_removed()->mutable_framework_info()->set_name("seed");
    auto agent_removed = event(master::Event::AGENT_REMOVED);
    agent_removed.mutable_agent_removed()->mutable_agent_id()->set_value("S1");
    const master::Event life[] = {snapshot,
                                  event(master::Event::HEARTBEAT),
                                  framework_added,
                                  added,
                                  agent_added,
                                  updated("t1", mesos::v1::TASK_RUNNING),
                                  updated("t0", mesos::v1::TASK_FAILED),
                                  updated("nobody", mesos::v1::TASK_RUNNING),
                                  updated("t1", mesos::v1::TASK_FINISHED),
                                  framework_removed,
                                  agent_removed,
                                  agent_removed,
                                  snapshot};
    for (auto enc : {encoding::protobuf, encoding::json}) {
      std::string framed;
      for (const auto& e : life) mesoshttp::recordio::encode(encoded(e, enc), framed);
      write("operator_event", enc == encoding::json ? "life.json" : "life.pb",
            std::string(1, enc == encoding::json ? '\1' : '\0') + framed);
    }
  }

  // The executor's events, as an agent sends them: SUBSCRIBED, LAUNCH,
  // LAUNCH_GROUP, ACKNOWLEDGED (of the fuzz target's first update, whose uuid
  // is 16 bytes counting from 0, and of one never sent), MESSAGE, KILL, ERROR,
  // SHUTDOWN and a LAUNCH after it. The first byte: encoding | checkpoint << 1.
  {
    namespace exv1 = mesos::v1::executor;
    auto event = [](exv1::Event::Type type) {
      exv1::Event e;
      e.set_type(type);
      return e;
    };
    auto task = [](mesos::v1::TaskInfo* t, const std::string& id) {
      t->set_name(id);
      t->mutable_task_id()->set_value(id);
      t->mutable_agent_id()->set_value("S0");
      t->set_data("echo " + id);
    };
    auto subscribed = event(exv1::Event::SUBSCRIBED);
    subscribed.mutable_subscribed()->mutable_executor_info()->mutable_executor_id()->set_value("fuzz-executor");
    subscribed.mutable_subscribed()->mutable_framework_info()->set_user("root");
    subscribed.mutable_subscribed()->mutable_framework_info()->set_name("seed");
    subscribed.mutable_subscribed()->mutable_agent_info()->set_hostname("127.0.0.1");
    subscribed.mutable_subscribed()->mutable_container_id()->set_value("c0");
    auto launch = event(exv1::Event::LAUNCH);
    task(launch.mutable_launch()->mutable_task(), "t1");
    auto group = event(exv1::Event::LAUNCH_GROUP);
    task(group.mutable_launch_group()->mutable_task_group()->add_tasks(), "t2");
    task(group.mutable_launch_group()->mutable_task_group()->add_tasks(), "t3");
    auto acknowledged = [&](const std::string& id, std::uint64_t n) {
      auto e = event(exv1::Event::ACKNOWLEDGED);
      e.mutable_acknowledged()->mutable_task_id()->set_value(id);
      std::string uuid(16, '\0');
      for (int i = 0; i < 8; ++i) uuid[static_cast<std::size_t>(i)] = static_cast<char>((n >> (8 * i)) & 0xff);
      e.mutable_acknowledged()->set_uuid(uuid);
      return e;
    };
    auto message = event(exv1::Event::MESSAGE);
    message.mutable_message()->set_data("hello-executor");
    auto kill = event(exv1::Event::KILL);
    kill.mutable_kill()->mutable_task_id()->set_value("t2");
    auto error = event(exv1::Event::ERROR);
    error.mutable_error()->set_message("seed error");
    const exv1::Event life[] = {subscribed, launch, group, acknowledged("t1", 0),        acknowledged("t9", 7),
                                message,    kill,   error, event(exv1::Event::SHUTDOWN), launch};
    for (auto enc : {encoding::protobuf, encoding::json}) {
      std::string framed;
      for (const auto& e : life) mesoshttp::recordio::encode(encoded(e, enc), framed);
      for (int checkpoint = 0; checkpoint < 2; ++checkpoint)
        write("executor_event",
              std::string(enc == encoding::json ? "life.json" : "life.pb") + (checkpoint ? ".checkpoint" : ""),
              std::string(1, static_cast<char>((enc == encoding::json ? 1 : 0) | (checkpoint << 1))) + framed);
    }
  }

  // ZooKeeper: a mode byte (0 URL, 1 MasterInfo JSON, 2 MasterInfo protobuf,
  // 3 the group's children, one a line), then the bytes.
  write("zk_master_info", "url", std::string(1, '\0') + "zk://ops:secret@127.0.0.1:2181,[::1]:2182,zk3/mesos/");
  mesos::v1::MasterInfo master;
  master.set_id("0a1b2c3d-0000-4000-8000-000000000002");
  master.set_ip(16777343);  // 127.0.0.1, as masters write it
  master.set_port(5050);
  master.set_pid("master@127.0.0.1:5050");
  master.set_hostname("127.0.0.1");
  master.set_version("1.11.0");
  master.mutable_address()->set_hostname("127.0.0.1");
  master.mutable_address()->set_ip("127.0.0.1");
  master.mutable_address()->set_port(5050);
  write("zk_master_info", "master-info.json", std::string(1, '\1') + encoded(master, encoding::json));
  write("zk_master_info", "master-info.pb", std::string(1, '\2') + encoded(master, encoding::protobuf));
  write("zk_master_info", "children",
        std::string(1, '\3') + "json.info_0000000012\nlog_replicas\njson.info_0000000007\njson.info_12");
  return 0;
}
