// calls: calls per second and their latency through the client, beside a
// connection per call and wrk against the same master.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/use_future.hpp>

#include "bare_http.hpp"
#include "bench_system.hpp"
#include "events.hpp"
#include "mesoshttp/client.hpp"
#include "mesoshttp/codec.hpp"
#include "mesoshttp/sim/cluster.hpp"

namespace bench_system {
namespace {

namespace bench = mesoshttp::bench;

struct call_stats {
  double per_second = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  std::size_t completed = 0;
  std::size_t failed = 0;
};

Call reconcile_call(const std::string& framework_id) {
  Call call;
  call.set_type(Call::RECONCILE);
  call.mutable_framework_id()->set_value(framework_id);
  call.mutable_reconcile();
  return call;
}

template <class OneCall>
call_stats closed_loop(std::size_t producers, double seconds, OneCall one_call) {
  std::vector<std::vector<double>> latencies(producers);
  std::vector<std::size_t> failures(producers, 0);
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  const auto start = clock_type::now();
  for (std::size_t p = 0; p < producers; ++p) {
    threads.emplace_back([&, p] {
      while (!stop.load(std::memory_order_relaxed)) {
        const auto t0 = clock_type::now();
        const bool ok = one_call();
        if (ok)
          latencies[p].push_back(std::chrono::duration<double, std::milli>(clock_type::now() - t0).count());
        else
          ++failures[p];
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : threads) t.join();
  const double elapsed = seconds_since(start);
  call_stats s;
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  for (auto f : failures) s.failed += f;
  s.completed = all.size();
  s.per_second = static_cast<double>(all.size()) / elapsed;
  s.p50_ms = percentile(all, 0.5);
  s.p99_ms = percentile(all, 0.99);
  return s;
}

// The connection-per-call design: connect, POST, read the answer, close.
bool connection_per_call(std::uint16_t port, const std::string& request) {
  const int fd = bench::connect_loopback(port);
  if (fd < 0) return false;
  bool ok = bench::write_all(fd, request);
  std::string headers, rest;
  ok = ok && bench::read_head(fd, headers, rest) == 202;
  ::close(fd);
  return ok;
}

struct wrk_stats {
  bool ran = false;
  double per_second = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  std::size_t non_2xx = 0;
};

double wrk_time_ms(const std::string& s) {
  const double v = std::atof(s.c_str());
  if (s.find("us") != std::string::npos) return v / 1000;
  if (s.find("ms") != std::string::npos) return v;
  if (s.find('s') != std::string::npos) return v * 1000;
  return v;
}

wrk_stats run_wrk(std::uint16_t port, const std::string& body, const std::string& stream_id, std::size_t conns,
                  double seconds) {
  wrk_stats w;
  if (std::system("command -v wrk >/dev/null 2>&1") != 0) return w;
  const std::string dir = std::filesystem::temp_directory_path() / ("mesoshttp-wrk-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    std::ofstream(dir + "/body.bin", std::ios::binary) << body;
    std::ofstream lua(dir + "/post.lua");
    lua << "wrk.method = \"POST\"\n"
        << "local f = io.open(\"" << dir << "/body.bin\", \"rb\")\nwrk.body = f:read(\"*a\")\nf:close()\n"
        << "wrk.headers[\"Content-Type\"] = \"application/x-protobuf\"\n"
        << "wrk.headers[\"Accept\"] = \"application/x-protobuf\"\n"
        << "wrk.headers[\"Mesos-Stream-Id\"] = \"" << stream_id << "\"\n";
  }
  const std::size_t threads = std::min<std::size_t>(conns, 2);
  const std::string cmd = "wrk --latency -t" + std::to_string(threads) + " -c" + std::to_string(conns) + " -d" +
                          std::to_string(static_cast<int>(seconds)) + "s -s " + dir +
                          "/post.lua http://127.0.0.1:" + std::to_string(port) + "/api/v1/scheduler 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return w;
  std::string text;
  char line[512];
  while (std::fgets(line, sizeof line, p)) text += line;
  ::pclose(p);
  std::filesystem::remove_all(dir);
  std::istringstream in(text);
  std::string l;
  while (std::getline(in, l)) {
    std::istringstream ls(l);
    std::string first, second;
    ls >> first >> second;
    if (first == "Requests/sec:") {
      w.per_second = std::atof(second.c_str());
      w.ran = true;
    } else if (first == "50%") {
      w.p50_ms = wrk_time_ms(second);
    } else if (first == "99%") {
      w.p99_ms = wrk_time_ms(second);
    } else if (l.find("Non-2xx or 3xx responses:") != std::string::npos) {
      w.non_2xx = static_cast<std::size_t>(std::atol(l.substr(l.find(':') + 1).c_str()));
    }
  }
  if (!w.ran) std::cerr << "wrk output not understood:\n" << text;
  return w;
}

std::string stats_json(const call_stats& s) {
  std::ostringstream o;
  o << "{\"calls_per_s\":" << s.per_second << ",\"p50_ms\":" << s.p50_ms << ",\"p99_ms\":" << s.p99_ms
    << ",\"completed\":" << s.completed << ",\"failed\":" << s.failed << "}";
  return o.str();
}

}  // namespace

void run_calls() {
  const double seconds = static_cast<double>(arg("seconds", 3));
  mesoshttp::sim::cluster sim;
  sim.start();
  std::ostringstream out;
  out << "{\"benchmark\":\"calls\",\"seconds\":" << seconds << ",\"results\":[";
  bool first = true;
  for (std::size_t producers : {1u, 8u, 64u}) {
    auto cfg = client_config(sim.urls());
    // As many keep-alive connections as producers, as wrk and the
    // connection-per-call client get: the same concurrency on the wire.
    cfg.call_connections = producers;
    mesoshttp::scheduler_client client(cfg);
    auto stream = client.events();
    client.start();
    await_subscribed(stream);
    // Drain events so backpressure never stalls anything.
    std::atomic<bool> draining{true};
    std::thread drain([&] {
      while (draining) stream.next(50ms);
    });
    const std::string fid = client.framework_id()->value();
    std::string stream_id;
    for (const auto& c : sim.calls())
      if (c.type == "SUBSCRIBE" && c.framework_id == fid) stream_id = c.stream_id;
    if (stream_id.empty()) die("no stream id recorded for the client's SUBSCRIBE");
    const Call call = reconcile_call(fid);
    const std::string body = bench::encoded(call, mesoshttp::encoding::protobuf);
    const std::string request = bench::post_request(sim.port(0), body, mesoshttp::protobuf_content_type,
                                                    mesoshttp::protobuf_content_type, stream_id, false);

    sim.clear_calls();
    const call_stats ours = closed_loop(producers, seconds, [&] {
      auto f = client.async_send(call, boost::asio::use_future);
      const auto r = f.get();
      return r.ok() && r.status == 202;
    });
    sim.clear_calls();
    const call_stats per_call =
        closed_loop(producers, seconds, [&] { return connection_per_call(sim.port(0), request); });
    sim.clear_calls();
    const wrk_stats w = run_wrk(sim.port(0), body, stream_id, producers, seconds);
    sim.clear_calls();
    draining = false;
    drain.join();
    client.shutdown();

    out << (first ? "" : ",") << "{\"producers\":" << producers << ",\"client\":" << stats_json(ours)
        << ",\"connection_per_call\":" << stats_json(per_call) << ",\"wrk\":{\"ran\":" << (w.ran ? "true" : "false")
        << ",\"calls_per_s\":" << w.per_second << ",\"p50_ms\":" << w.p50_ms << ",\"p99_ms\":" << w.p99_ms
        << ",\"non_2xx\":" << w.non_2xx
        << "},\"ratio_vs_connection_per_call\":" << ours.per_second / std::max(per_call.per_second, 1e-9)
        << ",\"ratio_vs_wrk\":" << (w.ran ? ours.per_second / std::max(w.per_second, 1e-9) : 0) << "}";
    first = false;
    std::cerr << "calls producers=" << producers << " client=" << ours.per_second << "/s (p50 " << ours.p50_ms
              << " ms, p99 " << ours.p99_ms << " ms, failed " << ours.failed << ") per-call=" << per_call.per_second
              << "/s (failed " << per_call.failed << ") wrk=" << w.per_second << "/s non2xx=" << w.non_2xx << "\n";
    if (ours.failed) die("client calls failed during the benchmark");
  }
  out << "]}";
  std::cout << out.str() << std::endl;
}

}  // namespace bench_system
