// `mesoshttp run`: a one-shot framework in the spirit of mesos-execute. It
// waits for an offer that fits, launches one task, follows it to a terminal
// state and exits with the task's exit status. Everything runs on one
// io_context on the main thread, so the handlers below never race.
#include <unistd.h>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <csignal>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <regex>
#include <sstream>

#include "../sim_options.hpp"
#include "common.hpp"
#include "mesoshttp/calls.hpp"

namespace mesoshttp::cli {
namespace {

namespace asio = boost::asio;
using mesos::v1::TaskState;
using mesos::v1::TaskStatus;
using mesos::v1::scheduler::Event;
using clock = std::chrono::steady_clock;

struct run_options {
  connection_options connection;
  double cpus = 0.1;
  double mem = 32;
  double disk = 0;
  std::string name = "mesoshttp-run";
  std::string role;
  std::vector<std::string> env;
  double offer_timeout = 60;
  std::string metrics_address;
  std::string executor;  // a custom executor's command; empty: Mesos's command executor
  std::vector<std::string> command;
};

// What a custom executor (--executor) is given on top of the task: as little
// as a small executor needs; the agent charges it once per executor.
constexpr double executor_cpus = 0.1;
constexpr double executor_mem = 32;

// The command as one shell command line: a custom executor gets it in
// TaskInfo.data (a task that names an executor carries no CommandInfo), and
// example_executor runs it with `sh -c`. Several arguments are quoted so the
// shell sees exactly them.
std::string shell_quoted(const std::string& word) {
  std::string quoted = "'";
  for (char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}
std::string shell_command_line(const std::vector<std::string>& argv) {
  if (argv.size() == 1) return argv[0];
  std::string line;
  for (const auto& arg : argv) line += (line.empty() ? "" : " ") + shell_quoted(arg);
  return line;
}

using mesoshttp::calls::is_terminal;

// The command's own exit status when the status message carries it (Mesos'
// command executor says "Command exited with status N"), else 1: a caller
// scripting `run` can tell "the command failed with 3" from "it never ran".
int exit_code_of(const TaskStatus& status) {
  if (status.state() == mesos::v1::TASK_FINISHED) return 0;
  static const std::regex exited("exited with status ([0-9]+)");
  std::smatch m;
  if (std::regex_search(status.message(), m, exited)) {
    const int code = std::stoi(m[1].str());
    if (code > 0 && code < 256) return code;
  }
  return exit_failure;
}

// A status line redrawn in place on a terminal; plain lines (one per change)
// when the output is a pipe or a file, so logs stay readable.
class progress {
 public:
  progress() : tty_(::isatty(STDOUT_FILENO) == 1), start_(clock::now()) {}
  bool tty() const { return tty_; }
  void status(const std::string& text) {
    if (text == status_) return redraw();
    status_ = text;
    if (tty_)
      redraw();
    else
      std::cout << stamp() << status_ << std::endl;
  }
  // Elapsed time moves on a terminal even when nothing else does.
  void redraw() {
    if (!tty_ || status_.empty()) return;
    static const char spin[] = {'|', '/', '-', '\\'};
    std::cout << "\r\033[K" << spin[frame_++ % 4] << " " << stamp() << status_ << std::flush;
  }
  void line(const std::string& text) {
    if (tty_ && !status_.empty()) std::cout << "\r\033[K";
    std::cout << text << std::endl;
    redraw();
  }
  void end() {
    if (tty_ && !status_.empty()) std::cout << "\r\033[K" << std::flush;
    status_.clear();
  }

 private:
  std::string stamp() const {
    std::ostringstream out;
    out << "[" << std::fixed << std::setprecision(1) << std::setw(5)
        << std::chrono::duration<double>(clock::now() - start_).count() << "s] ";
    return out.str();
  }
  bool tty_;
  clock::time_point start_;
  std::string status_;
  unsigned frame_ = 0;
};

class runner {
 public:
  runner(asio::io_context& io, const run_options& o, client_config cfg, sim::cluster* sim)
      : io_(io),
        o_(o),
        sim_(sim),
        client_(io.get_executor(), std::move(cfg)),
        offer_timer_(io),
        ticker_(io),
        signals_(io, SIGINT, SIGTERM) {}

  int exec() {
    if (!serve_metrics(o_.metrics_address, client_, io_.get_executor(), "run", metrics_)) return exit_failure;
    sub_ = client_.on_event([this](const client_event& item) { on_item(item); });
    signals_.async_wait([this](const boost::system::error_code& ec, int sig) { on_signal(ec, sig); });
    if (progress_.tty()) tick();
    client_.start();
    io_.run();
    return exit_code_.value_or(exit_failure);
  }

 private:
  void on_item(const client_event& item) {
    switch (item.type) {
      case client_event::kind::connecting: progress_.status("connecting to " + item.master); break;
      case client_event::kind::subscribed: on_subscribed(item); break;
      case client_event::kind::disconnected:
        if (done_) break;
        last_failure_ = item.message;
        if (subscriptions_ == 0)
          progress_.status("cannot subscribe yet: " + item.message + "; retrying");
        else
          progress_.line("mesoshttp run: lost " + item.master + ": " + item.message + "; reconnecting");
        break;
      case client_event::kind::closed: on_closed(item); break;
      case client_event::kind::event:
        if (item.event->type() == Event::OFFERS)
          on_offers(item.event->offers());
        else if (item.event->type() == Event::UPDATE)
          on_update(item.event->update().status());
        else if (item.event->type() == Event::ERROR)
          progress_.line("mesoshttp run: the master says: " + item.event->error().message());
        break;
    }
  }

  void on_subscribed(const client_event& item) {
    if (subscriptions_++ == 0) {
      progress_.line("subscribed to " + item.master + " as framework " + item.framework_id);
      offer_timer_.expires_after(std::chrono::milliseconds(static_cast<long long>(o_.offer_timeout * 1000)));
      offer_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec && !launched_) no_offer();
      });
    } else {
      progress_.line("resubscribed to " + item.master);
      // A new master may not have heard the latest state of our task yet
      // (updates sent while we were away); implicit reconciliation asks it.
      if (launched_ && !done_) client_.send(calls::reconcile());
    }
    if (!launched_) progress_.status("waiting for an offer with " + wanted());
  }

  std::string wanted() const {
    std::ostringstream out;
    out << "cpus " << o_.cpus << ", mem " << o_.mem << " MB, disk " << o_.disk << " MB";
    return out.str();
  }

  mesos::v1::CommandInfo command() const {
    mesos::v1::CommandInfo cmd;
    if (o_.command.size() == 1) {
      cmd.set_shell(true);
      cmd.set_value(o_.command[0]);
    } else {
      cmd.set_shell(false);
      // The bare name, as mesos-execute sends it: the agent's command
      // executor (the embedded simulator's too) looks it up on PATH.
      cmd.set_value(o_.command[0]);
      for (const auto& a : o_.command) cmd.add_arguments(a);
    }
    for (const auto& kv : o_.env) {
      auto* v = cmd.mutable_environment()->add_variables();
      const auto eq = kv.find('=');
      v->set_name(kv.substr(0, eq));
      v->set_value(kv.substr(eq + 1));
    }
    return cmd;
  }

  // The task as a custom executor runs it: the executor named instead of a
  // command, the command line in `data`. The environment (--env) is the
  // executor's, which the commands it starts inherit.
  mesos::v1::TaskInfo with_executor(mesos::v1::TaskInfo task, const mesos::v1::Offer& offer) const {
    const std::string role = offer.has_allocation_info() ? offer.allocation_info().role() : "*";
    mesos::v1::ExecutorInfo executor;
    executor.set_type(mesos::v1::ExecutorInfo::CUSTOM);
    *executor.mutable_executor_id() = calls::executor_id(task.task_id().value() + "-executor");
    executor.set_name("mesoshttp run --executor");
    // The agent runs it with `sh -c`: quoted, a path with spaces stays one word.
    executor.mutable_command()->set_value(shell_quoted(o_.executor));
    *executor.mutable_command()->mutable_environment() = task.command().environment();
    *executor.add_resources() = calls::scalar("cpus", executor_cpus, role);
    *executor.add_resources() = calls::scalar("mem", executor_mem, role);
    task.clear_command();
    *task.mutable_executor() = std::move(executor);
    task.set_data(shell_command_line(o_.command));
    return task;
  }

  void on_offers(const Event::Offers& offers) {
    std::vector<mesos::v1::OfferID> unwanted;
    for (const auto& offer : offers.offers()) {
      if (largest_cpus_ < calls::scalar_total(offer, "cpus")) {
        largest_cpus_ = calls::scalar_total(offer, "cpus");
        largest_ = describe(offer);
      }
      if (launched_ || done_) {
        unwanted.push_back(offer.id());
        continue;
      }
      auto task = calls::task_from_offer(offer, o_.name, command(), o_.cpus, o_.mem, o_.disk);
      if (task && !o_.executor.empty()) {
        // The executor's share must fit beside the task's.
        if (calls::resources_fit(offer, o_.cpus + executor_cpus, o_.mem + executor_mem, o_.disk))
          task = with_executor(std::move(*task), offer);
        else
          task.reset();
      }
      if (!task) {
        unwanted.push_back(offer.id());
        continue;
      }
      launched_ = true;
      offer_timer_.cancel();
      task_ = *task;
      hostname_ = offer.hostname();
      progress_.line("launching task " + task_.task_id().value() + " on " + hostname_ + " (agent " +
                     offer.agent_id().value() + ")");
      client_.async_send(calls::accept(std::vector<mesos::v1::OfferID>{offer.id()}, {calls::ops::launch({task_})}),
                         asio::bind_executor(io_, [this](call_result r) {
                           if (!r) finish(exit_failure, "the master refused the launch: " + r.message);
                         }));
      // One task is all we want: stop the offers rather than decline forever.
      client_.send(calls::suppress());
    }
    if (!unwanted.empty()) {
      // Until launch, a short filter: resources may free up. After it, long:
      // we will never use them.
      client_.send(calls::decline(std::move(unwanted), calls::filters(launched_ ? 3600 : 5)));
    }
  }

  void on_update(const TaskStatus& status) {
    if (!launched_ || status.task_id().value() != task_.task_id().value()) return;
    // The simulator forgets a task once its last update is acknowledged, so
    // the sandbox is looked up while the task is still known.
    if (sim_ && sandbox_.empty()) {
      for (const auto& t : sim_->tasks())
        if (t.task_id == task_.task_id().value()) sandbox_ = t.sandbox;
    }
    std::string text =
        "task " + status.task_id().value() + " " + mesos::v1::TaskState_Name(status.state()) + " on " + hostname_;
    if (!status.message().empty()) text += ": " + status.message();
    const bool terminal = is_terminal(status.state());
    if (!terminal) progress_.status(text);
    const auto acknowledged = [this, terminal, status](call_result r) {
      if (!r) progress_.line("mesoshttp run: acknowledgement failed: " + r.message);
      if (terminal) on_terminal(status);
    };
    // Answers to reconciliation carry no uuid and must not be acknowledged.
    if (status.has_uuid()) {
      client_.async_send(calls::acknowledge(status), asio::bind_executor(io_, acknowledged));
    } else if (terminal) {
      on_terminal(status);
    }
  }

  void on_terminal(const TaskStatus& status) {
    if (done_) return;
    progress_.end();
    std::string text =
        "task " + status.task_id().value() + " " + mesos::v1::TaskState_Name(status.state()) + " on " + hostname_;
    if (status.has_reason()) text += " (" + mesos::v1::TaskStatus::Reason_Name(status.reason()) + ")";
    if (!status.message().empty()) text += ": " + status.message();
    progress_.line(text);
    show_sandbox();
    int code = exit_code_of(status);
    if (signal_ != 0 && status.state() == mesos::v1::TASK_KILLED) code = 128 + signal_;
    finish(code, "");
  }

  // A real agent's sandbox is only known to the agent; the embedded
  // simulator runs tasks here, so its sandbox can be shown directly.
  void show_sandbox() {
    if (sandbox_.empty()) return;
    progress_.line("sandbox: " + sandbox_.string());
    {
      for (const char* name : {"stdout", "stderr"}) {
        const auto path = sandbox_ / name;
        std::error_code ec;
        const auto size = std::filesystem::file_size(path, ec);
        if (ec || size == 0) continue;
        progress_.line(std::string("--- ") + name + " (" + path.string() + ") ---");
        if (size > 64 * 1024) {
          progress_.line("(" + std::to_string(size) + " bytes; not shown)");
          continue;
        }
        std::ifstream in(path);
        std::cout << in.rdbuf() << std::flush;
      }
    }
  }

  void no_offer() {
    std::string text = "no offer with " + wanted() + " within " + format_seconds(o_.offer_timeout);
    text += largest_.empty() ? " (no offers at all)" : " (largest offer: " + largest_ + ")";
    finish(exit_failure, text);
  }

  static std::string format_seconds(double s) {
    std::ostringstream out;
    out << s << " s";
    return out.str();
  }

  void on_signal(const boost::system::error_code& ec, int sig) {
    if (ec) return;
    progress_.end();
    if (launched_ && !done_ && signal_ == 0) {
      signal_ = sig;
      progress_.line("killing task " + task_.task_id().value() + " (" + ::strsignal(sig) + "; again to abandon it)");
      client_.send(calls::kill(task_.task_id(), task_.agent_id()));
      signals_.async_wait([this](const boost::system::error_code& e, int s) { on_signal(e, s); });
      return;
    }
    signal_ = sig;
    // Teardown makes the master kill whatever is left of the task.
    finish(128 + sig, std::string("interrupted (") + ::strsignal(sig) + ")");
  }

  // Every way out goes through here: record the outcome once, tear the
  // framework down (its task is killed with it if still there), then let the
  // io_context run dry once the client is closed.
  void finish(int code, const std::string& why) {
    if (done_) return;
    done_ = true;
    exit_code_ = code;
    progress_.end();
    if (!why.empty()) std::cerr << "mesoshttp run: " << why << std::endl;
    offer_timer_.cancel();
    expect_disconnect();
    client_.teardown();
  }

  void on_closed(const client_event& item) {
    progress_.end();
    if (!done_) {
      done_ = true;
      std::string text = item.message.empty() ? item.error.message() : item.message;
      if (!last_failure_.empty() && last_failure_ != item.message) text += "; last failure: " + last_failure_;
      std::string masters;
      for (const auto& m : o_.connection.masters) masters += (masters.empty() ? "" : ", ") + m;
      std::cerr << "mesoshttp run: cannot use the master" << (masters.empty() ? "" : " at " + masters) << ": " << text
                << std::endl;
      exit_code_ = exit_failure;
    }
    boost::system::error_code ignored;
    offer_timer_.cancel();
    ticker_.cancel();
    signals_.cancel(ignored);
    if (metrics_) metrics_->stop();
    sub_.detach();
  }

  void tick() {
    ticker_.expires_after(std::chrono::milliseconds(200));
    ticker_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      progress_.redraw();
      tick();
    });
  }

  asio::io_context& io_;
  const run_options& o_;
  sim::cluster* sim_;
  scheduler_client client_;
  event_subscription sub_;
  asio::steady_timer offer_timer_;
  asio::steady_timer ticker_;
  asio::signal_set signals_;
  std::unique_ptr<metrics_server> metrics_;
  progress progress_;
  std::size_t subscriptions_ = 0;
  bool launched_ = false;
  bool done_ = false;
  int signal_ = 0;
  mesos::v1::TaskInfo task_;
  std::string hostname_;
  std::filesystem::path sandbox_;
  std::string largest_;
  double largest_cpus_ = -1;
  std::string last_failure_;
  std::optional<int> exit_code_;
};

}  // namespace

command add_run(CLI::App& app) {
  auto o = std::make_shared<run_options>();
  auto* sub = app.add_subcommand("run",
                                 "Run one command as a Mesos task and exit with its status (like mesos-execute).\n"
                                 "One argument is a shell command line; several are run directly (argv, no shell).\n"
                                 "Examples:\n"
                                 "  mesoshttp run -- echo hello\n"
                                 "  mesoshttp run --master http://127.0.0.1:5050 --cpus 1 --mem 256 -- sh -c 'exit 3'");
  add_connection_options(*sub, o->connection);
  sub->add_option("--cpus", o->cpus, "CPUs for the task")->default_val(0.1)->check(tools::positive());
  sub->add_option("--mem", o->mem, "Memory for the task, MB")->default_val(32)->check(tools::positive());
  sub->add_option("--disk", o->disk, "Disk for the task, MB")->default_val(0)->check(tools::non_negative());
  sub->add_option("--name", o->name, "Task name (the id is the name plus a random suffix)")
      ->default_val("mesoshttp-run");
  sub->add_option("--role", o->role, "Role to subscribe with (default: the master's default, *)");
  sub->add_option("--env", o->env, "Environment variable K=V for the command (repeatable)")
      ->allow_extra_args(false)
      ->check([](const std::string& kv) {
        const auto eq = kv.find('=');
        return eq == std::string::npos || eq == 0 ? "expected K=V, got '" + kv + "'" : std::string();
      });
  sub->add_option("--offer-timeout", o->offer_timeout, "Seconds to wait for an offer that fits before giving up")
      ->default_val(60)
      ->check(tools::positive());
  add_metrics_option(*sub, o->metrics_address);
  sub->add_option("--executor", o->executor,
                  "Run the command through this custom executor (its path on the agent, e.g. the example_executor\n"
                  "of examples/custom_executor) instead of Mesos's command executor; it gets the command line in\n"
                  "TaskInfo.data");
  sub->add_option("command", o->command, "The command (after --)")->required();
  return [o] {
    std::unique_ptr<sim::cluster> sim;
    std::vector<std::string> masters = o->connection.masters;
    if (!o->executor.empty() && masters.empty()) {
      // The embedded simulator's agents run here: the path must be here too.
      std::error_code ec;
      o->executor = std::filesystem::absolute(o->executor, ec).string();
      if (::access(o->executor.c_str(), X_OK) != 0) {
        complain("run", "--executor " + o->executor + ": not an executable file");
        return exit_usage;
      }
    }
    if (masters.empty()) {
      sim = start_embedded_sim("run");
      if (!sim) return exit_failure;
      masters = sim->urls();
    }
    auto cfg = make_client_config(o->connection, masters, "run");
    if (!cfg) return exit_usage;
    if (!o->role.empty()) {
      cfg->framework.add_roles(o->role);
      cfg->framework.add_capabilities()->set_type(mesos::v1::FrameworkInfo::Capability::MULTI_ROLE);
    }
    asio::io_context io;
    int code = exit_failure;
    {
      runner r(io, *o, std::move(*cfg), sim.get());
      code = r.exec();
    }
    return code;
  };
}

}  // namespace mesoshttp::cli
