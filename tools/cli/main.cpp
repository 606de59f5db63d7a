// mesoshttp: a command-line scheduler for Apache Mesos, and a showcase of the
// library. Each subcommand lives in its own file.
#include <map>

#include "common.hpp"

int main(int argc, char** argv) {
  CLI::App app{
      "mesoshttp: talk to Apache Mesos masters through the v1 scheduler and operator HTTP APIs.\n"
      "Without --master, every command starts a simulated master in this process."};
  app.require_subcommand(1);
  std::map<std::string, mesoshttp::cli::command> commands;
  commands["run"] = mesoshttp::cli::add_run(app);
  commands["watch"] = mesoshttp::cli::add_watch(app);
  commands["sim"] = mesoshttp::cli::add_sim(app);
  commands["call"] = mesoshttp::cli::add_call(app);
  commands["operator"] = mesoshttp::cli::add_operator(app);
  commands["cluster"] = mesoshttp::cli::add_cluster(app);
  commands["agent"] = mesoshttp::cli::add_agent(app);
  commands["maintenance"] = mesoshttp::cli::add_maintenance(app);
  commands["events"] = mesoshttp::cli::add_events(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // 0 for --help; otherwise CLI11 has printed what was wrong.
    return app.exit(e) == 0 ? 0 : mesoshttp::cli::exit_usage;
  }
  return commands.at(app.get_subcommands().front()->get_name())();
}
