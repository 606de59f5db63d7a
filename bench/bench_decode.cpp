// Decode throughput: the client's path (RecordIO decoder fed socket-sized
// chunks, then mesoshttp::decode of each record) beside the floor of the same
// work (protobuf's own parser on records split beforehand). The two of a pair
// are registered next to each other so they run back to back in one process:
// scripts/bench.sh reports their ratio, which survives a noisy shared machine
// better than either absolute figure.
#include <benchmark/benchmark.h>

#include <google/protobuf/util/json_util.h>

#include <functional>
#include <map>
#include <string>

#include "events.hpp"
#include "mesoshttp/metrics.hpp"

namespace {

using mesos::v1::scheduler::Event;
using mesoshttp::encoding;
using mesoshttp::bench::event_stream_bytes;

// What one read_some typically returns on loopback with Beast's flat_buffer.
constexpr std::size_t chunk_size = 64 * 1024;

struct shape {
  const char* name;
  std::size_t count;
  std::function<Event(std::size_t)> make;
};

const std::vector<shape>& shapes() {
  static const std::vector<shape> all = {
      {"offers1", 2000, [](std::size_t i) { return mesoshttp::bench::offers_event(1, i); }},
      {"offers10", 400, [](std::size_t i) { return mesoshttp::bench::offers_event(10, i); }},
      {"offers100", 40, [](std::size_t i) { return mesoshttp::bench::offers_event(100, i); }},
      {"update", 4000, [](std::size_t i) { return mesoshttp::bench::update_event(i); }},
      {"heartbeat", 20000, [](std::size_t) { return mesoshttp::bench::heartbeat_event(); }},
  };
  return all;
}

const event_stream_bytes& data(const shape& s, encoding enc) {
  static std::map<std::pair<std::string, encoding>, event_stream_bytes> cache;
  auto key = std::make_pair(std::string(s.name), enc);
  auto it = cache.find(key);
  if (it == cache.end()) it = cache.emplace(key, mesoshttp::bench::make_stream(s.count, enc, s.make)).first;
  return it->second;
}

void account(benchmark::State& state, const event_stream_bytes& d) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * d.stream.size()));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * d.records.size()));
}

void bare(benchmark::State& state, const shape& s, encoding enc) {
  const auto& d = data(s, enc);
  Event event;
  for (auto _ : state) {
    for (const auto& r : d.records) {
      bool ok = false;
      if (enc == encoding::protobuf) {
        ok = event.ParseFromArray(r.data(), static_cast<int>(r.size()));
      } else {
        ok = google::protobuf::util::JsonStringToMessage(r, &event).ok();
      }
      if (!ok) state.SkipWithError("baseline parse failed");
      benchmark::DoNotOptimize(event);
    }
  }
  account(state, d);
}

void ours(benchmark::State& state, const shape& s, encoding enc) {
  const auto& d = data(s, enc);
  Event event;
  for (auto _ : state) {
    mesoshttp::recordio::decoder decoder;
    std::string_view rest = d.stream;
    while (!rest.empty()) {
      const auto piece = rest.substr(0, chunk_size);
      rest.remove_prefix(piece.size());
      const auto framing = decoder.feed(piece, [&](std::string_view record) {
        if (mesoshttp::decode(record, enc, event)) state.SkipWithError("decode failed");
        benchmark::DoNotOptimize(event);
      });
      if (framing) state.SkipWithError("framing failed");
    }
  }
  account(state, d);
}

// RecordIO alone, to tell framing cost from parsing cost.
void framing_only(benchmark::State& state, const shape& s) {
  const auto& d = data(s, encoding::protobuf);
  for (auto _ : state) {
    mesoshttp::recordio::decoder decoder;
    std::string_view rest = d.stream;
    std::size_t n = 0;
    while (!rest.empty()) {
      const auto piece = rest.substr(0, chunk_size);
      rest.remove_prefix(piece.size());
      decoder.feed(piece, [&](std::string_view record) { n += record.size(); });
    }
    benchmark::DoNotOptimize(n);
  }
  account(state, d);
}

// What the client's metrics add per event: one counter increment through a
// handle resolved up front (mesoshttp_events_total{type}); per call, one
// histogram observation. Beside a decode's cost per event, they say what
// metrics cost on the ingest path, however loaded the machine is.
void metrics_counter_inc(benchmark::State& state) {
  mesoshttp::metrics_registry registry;
  auto events = registry.counter("mesoshttp_events_total", "Events", {{"type", "UPDATE"}});
  for (auto _ : state) events.inc();
  benchmark::DoNotOptimize(events.value());
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void metrics_histogram_observe(benchmark::State& state) {
  mesoshttp::metrics_registry registry;
  auto latency = registry.histogram("mesoshttp_call_duration_seconds", "Latency", mesoshttp::default_latency_bounds(),
                                    {{"type", "DECLINE"}});
  double v = 0.0001;
  for (auto _ : state) {
    latency.observe(v);
    v = v < 10 ? v * 1.5 : 0.0001;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

const bool registered = [] {
  benchmark::RegisterBenchmark("metrics/counter_inc", metrics_counter_inc);
  benchmark::RegisterBenchmark("metrics/histogram_observe", metrics_histogram_observe);
  for (encoding enc : {encoding::protobuf, encoding::json}) {
    const std::string e(mesoshttp::to_string(enc));
    for (const auto& s : shapes()) {
      benchmark::RegisterBenchmark(("decode/" + e + "/" + s.name + "/bare").c_str(),
                                   [&s, enc](benchmark::State& st) { bare(st, s, enc); });
      benchmark::RegisterBenchmark(("decode/" + e + "/" + s.name + "/mesoshttp").c_str(),
                                   [&s, enc](benchmark::State& st) { ours(st, s, enc); });
    }
  }
  for (const auto& s : shapes())
    benchmark::RegisterBenchmark((std::string("recordio/") + s.name).c_str(),
                                 [&s](benchmark::State& st) { framing_only(st, s); });
  return true;
}();

}  // namespace

BENCHMARK_MAIN();
