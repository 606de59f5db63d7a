// A scripted Mesos agent for the executor client's socket tests
// (executor_client_test.cpp): SUBSCRIBE answered with a chunked RecordIO
// stream the test feeds as it goes (no Mesos-Stream-Id, one record per chunk,
// as a 1.11 agent writes them, executor-answers.md), other calls with 202;
// refusals and raw answers on demand. Every call is kept, decoded.
#pragma once

#include <gtest/gtest.h>

#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "../support/scripted_master.hpp"
#include "mesoshttp/codec.hpp"
#include "mesoshttp/executor/calls.hpp"

namespace mesoshttp::test::executor_support {

namespace v1 = mesos::v1;
using namespace std::chrono_literals;
using mesoshttp::encoding;
using mesoshttp::executor::Call;
using mesoshttp::executor::Event;

// What the test writes on one SUBSCRIBE's stream, as it goes; nullopt cuts it.
class stream_channel {
 public:
  void push(std::optional<std::string> bytes) {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(bytes));
    cv_.notify_all();
  }
  std::optional<std::string> pop(const std::atomic<bool>& stopping) {
    std::unique_lock lock(mutex_);
    while (queue_.empty()) {
      if (stopping) return std::nullopt;
      cv_.wait_for(lock, 10ms);
    }
    auto next = std::move(queue_.front());
    queue_.pop_front();
    return next;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::optional<std::string>> queue_;
};

inline std::string mime(encoding wire) {
  return wire == encoding::json ? "application/json" : "application/x-protobuf";
}

// One HTTP chunk holding one RecordIO record, as an agent writes them.
inline std::string chunk(const Event& event, encoding wire) {
  std::string bytes;
  EXPECT_FALSE(mesoshttp::encode(event, wire, bytes));
  const std::string record = std::to_string(bytes.size()) + "\n" + bytes;
  std::ostringstream hex;
  hex << std::hex << record.size();
  return hex.str() + "\r\n" + record + "\r\n";
}

// A scripted agent: SUBSCRIBEs get a stream the test feeds (stream(n) for
// the n-th SUBSCRIBE), or the refusal set with refuse_subscribe_from();
// other calls get 202. Every call is kept, decoded.
class fake_agent {
 public:
  explicit fake_agent(encoding wire)
      : wire_(wire),
        server_(mesoshttp::test::scripted_master::with_body,
                [this](std::size_t, const std::string& head, const std::string& body) { return answer(head, body); }) {}

  std::shared_ptr<stream_channel> stream(std::size_t n) {
    std::lock_guard lock(mutex_);
    while (streams_.size() <= n) streams_.push_back(std::make_shared<stream_channel>());
    return streams_[n];
  }
  void send(std::size_t n, const Event& event) { stream(n)->push(chunk(event, wire_)); }
  void cut(std::size_t n) { stream(n)->push(std::nullopt); }

  // SUBSCRIBEs from the n-th on are answered with `raw` (empty: the
  // connection closes without an answer, an agent that is down).
  void refuse_subscribe_from(std::size_t n, std::string raw) {
    std::lock_guard lock(mutex_);
    refuse_from_ = n;
    refusal_ = std::move(raw);
  }

  // The n-th SUBSCRIBE is answered with these bytes (head and chunks as
  // they are), then with what stream(n) is fed.
  void answer_subscribe_with(std::size_t n, std::string raw) {
    std::lock_guard lock(mutex_);
    raw_[n] = std::move(raw);
  }
  // Calls (not SUBSCRIBE) are answered with `raw` from now on.
  void answer_calls_with(std::string raw) {
    std::lock_guard lock(mutex_);
    call_answer_ = std::move(raw);
  }

  std::vector<Call> subscribes() const {
    std::lock_guard lock(mutex_);
    return subscribes_;
  }
  std::vector<Call> calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  std::vector<std::string> subscribe_heads() const {
    std::lock_guard lock(mutex_);
    return heads_;
  }
  std::string endpoint() const { return "127.0.0.1:" + std::to_string(server_.port()); }

 private:
  using reply = mesoshttp::test::scripted_master::reply;

  reply answer(const std::string& head, const std::string& body) {
    Call call;
    std::string why;
    if (mesoshttp::decode(body, wire_, call, &why)) {
      ADD_FAILURE() << "undecodable call: " << why;
      return {"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n", false};
    }
    std::lock_guard lock(mutex_);
    if (call.type() != Call::SUBSCRIBE) {
      calls_.push_back(call);
      return {call_answer_, true};
    }
    const std::size_t n = subscribes_.size();
    subscribes_.push_back(call);
    heads_.push_back(head);
    if (n >= refuse_from_) return {refusal_, false};
    while (streams_.size() <= n) streams_.push_back(std::make_shared<stream_channel>());
    auto channel = streams_[n];
    const auto raw = raw_.find(n);
    return {raw != raw_.end()
                ? raw->second
                : "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: " + mime(wire_) + "\r\n\r\n",
            false,
            {},
            0ms,
            [channel](const std::atomic<bool>& stopping) { return channel->pop(stopping); }};
  }

  encoding wire_;
  mutable std::mutex mutex_;
  std::vector<std::shared_ptr<stream_channel>> streams_;
  std::vector<Call> subscribes_;
  std::vector<Call> calls_;
  std::vector<std::string> heads_;
  std::size_t refuse_from_ = static_cast<std::size_t>(-1);
  std::string refusal_;
  std::map<std::size_t, std::string> raw_;
  std::string call_answer_ =
      "HTTP/1.1 202 Accepted\r\nDate: Mon, 30 Nov 2026 19:51:10 GMT\r\nContent-Length: 0\r\n\r\n";
  mesoshttp::test::scripted_master server_;  // last: stopped first, while the rest still stands
};

inline Event subscribed() {
  Event e;
  e.set_type(Event::SUBSCRIBED);
  auto* s = e.mutable_subscribed();
  s->mutable_executor_info()->mutable_executor_id()->set_value("ex-1");
  s->mutable_framework_info()->set_user("root");
  s->mutable_framework_info()->set_name("fw");
  s->mutable_agent_info()->set_hostname("127.0.0.1");
  s->mutable_container_id()->set_value("container-1");
  return e;
}

inline v1::TaskInfo task(const std::string& id) {
  v1::TaskInfo t;
  t.set_name("name-" + id);
  t.mutable_task_id()->set_value(id);
  t.mutable_agent_id()->set_value("S0");
  return t;
}

inline Event launch(const std::string& id) {
  Event e;
  e.set_type(Event::LAUNCH);
  *e.mutable_launch()->mutable_task() = task(id);
  return e;
}

inline Event acknowledged(const std::string& id, const std::string& uuid) {
  Event e;
  e.set_type(Event::ACKNOWLEDGED);
  e.mutable_acknowledged()->mutable_task_id()->set_value(id);
  e.mutable_acknowledged()->set_uuid(uuid);
  return e;
}

inline Event of_type(Event::Type type) {
  Event e;
  e.set_type(type);
  if (type == Event::MESSAGE) e.mutable_message()->set_data("hello-executor");
  if (type == Event::KILL) e.mutable_kill()->mutable_task_id()->set_value("t1");
  if (type == Event::ERROR) e.mutable_error()->set_message("the agent is confused");
  return e;
}

}  // namespace mesoshttp::test::executor_support
