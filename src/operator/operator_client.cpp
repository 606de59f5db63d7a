// master_client and agent_client: what only each API knows (its Call and
// Response types and their names); the rest is operator_caller's.
#include "mesoshttp/operator/operator_client.hpp"

#include <boost/asio/io_context.hpp>

#include "mesoshttp/error.hpp"
#include "operator/operator_call.hpp"

namespace mesoshttp::operator_api {

namespace {

template <class Response>
operator_result<Response> typed(detail::raw_answer raw, encoding wire, const std::string& call_type) {
  operator_result<Response> out;
  out.error = raw.error;
  out.status = raw.status;
  out.message = std::move(raw.message);
  out.endpoint = std::move(raw.endpoint);
  out.attempts = raw.attempts;
  if (out.error || raw.body.empty()) return out;
  // The answer follows our Accept; a body without a Content-Type is read as asked.
  const encoding enc = raw.body_encoding.value_or(wire);
  Response response;
  std::string why;
  if (auto err = decode(raw.body, enc, response, &why)) {
    out.error = err;
    out.message = out.endpoint + " answered " + call_type + " with a body that is not a " +
                  Response::descriptor()->full_name() + " (" + std::string(to_string(enc)) + "): " + why;
    return out;
  }
  out.response = std::move(response);
  return out;
}

// DRAIN_AGENT's max_grace_period is a google.protobuf.Duration, which
// protobuf's JSON printer writes as "2s"; a real master refuses that ("Not
// expecting a JSON string for field 'max_grace_period'") and takes the plain
// message form {"seconds":2}. So the field is written by hand.
std::error_code encode_for_master(const mesos::v1::master::Call& call, encoding wire, std::string& body,
                                  std::string& why) {
  if (wire != encoding::json || !call.drain_agent().has_max_grace_period()) return encode(call, wire, body, &why);
  mesos::v1::master::Call without = call;
  const auto period = without.drain_agent().max_grace_period();
  without.mutable_drain_agent()->clear_max_grace_period();
  if (auto err = encode(without, wire, body, &why)) return err;
  const std::string key = "\"drain_agent\":{";
  const auto at = body.find(key);
  if (at == std::string::npos) {
    why = "no drain_agent object in the JSON call";
    return make_error_code(error::encode_failed);
  }
  // agent_id is required, so the object is never empty: a comma always follows.
  body.insert(at + key.size(), "\"max_grace_period\":{\"seconds\":" + std::to_string(period.seconds()) +
                                   ",\"nanos\":" + std::to_string(period.nanos()) + "},");
  return {};
}

std::error_code encode_for_master(const mesos::v1::agent::Call& call, encoding wire, std::string& body,
                                  std::string& why) {
  return encode(call, wire, body, &why);
}

template <class Call, class Response>
void call_with(const std::shared_ptr<detail::operator_caller>& caller, const Call& call,
               std::function<void(operator_result<Response>)> done) {
  const encoding wire = caller->config().wire;
  const std::string type = Call::Type_Name(call.type());
  std::string body;
  std::string why;
  if (auto err = encode_for_master(call, wire, body, why)) {
    operator_result<Response> out;
    out.error = err;
    out.message = "cannot encode " + type + ": " + why;
    // Nothing is sent: the caller hears of it on the executor, as of any call.
    caller->post([out = std::move(out), done = std::move(done)]() mutable { done(std::move(out)); });
    return;
  }
  caller->async_call(type, std::move(body), [wire, type, done = std::move(done)](detail::raw_answer raw) {
    done(typed<Response>(std::move(raw), wire, type));
  });
}

}  // namespace

master_client::master_client(boost::asio::any_io_executor executor, operator_config config)
    : caller_(std::make_shared<detail::operator_caller>(std::move(executor), std::move(config))) {}
master_client::~master_client() = default;

void master_client::async_call(const mesos::v1::master::Call& call, std::function<void(master_result)> done) {
  call_with<mesos::v1::master::Call, mesos::v1::master::Response>(caller_, call, std::move(done));
}

const std::string& master_client::config_error() const { return caller_->config_error(); }

agent_client::agent_client(boost::asio::any_io_executor executor, operator_config config)
    : caller_(std::make_shared<detail::operator_caller>(std::move(executor), std::move(config))) {}
agent_client::~agent_client() = default;

void agent_client::async_call(const mesos::v1::agent::Call& call, std::function<void(agent_result)> done) {
  call_with<mesos::v1::agent::Call, mesos::v1::agent::Response>(caller_, call, std::move(done));
}

const std::string& agent_client::config_error() const { return caller_->config_error(); }

master_result call_master(const operator_config& config, const mesos::v1::master::Call& call) {
  boost::asio::io_context io;
  master_result result;
  {
    master_client client(io.get_executor(), config);
    client.async_call(call, [&](master_result r) { result = std::move(r); });
  }
  io.run();
  return result;
}

agent_result call_agent(const operator_config& config, const mesos::v1::agent::Call& call) {
  boost::asio::io_context io;
  agent_result result;
  {
    agent_client client(io.get_executor(), config);
    client.async_call(call, [&](agent_result r) { result = std::move(r); });
  }
  io.run();
  return result;
}

}  // namespace mesoshttp::operator_api
