#include "sim/scenario/scenario_loader.h"

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include "analysis/metric_paths.h"
#include "sim/scenario/fault_model_loader.h"
#include "sim/scenario/region_egress_table.h"
#include "sim/scenario/region_rtt_table.h"

// The schema text, embedded at configure time so the binary validates scenarios from any
// working directory without finding scenarios/schema/ on disk.
static const char kSchema[] =
#include "scenario_schema.inc"
    ;

namespace cutover::sim {
namespace {

using nlohmann::json;

// Defaults that have no home in scenario.h (they are consumed while loading, not stored).
// scenarios/README.md and the schema's "default" keywords state the same values.
constexpr double kDefaultLinkBandwidthMbps = 10000;

// A problem found while loading. Thrown inside this file only, so the many checks below can
// stop at the first problem without threading error returns through every helper; the
// public functions turn it into a LoadError.
struct Problem {
  std::string pointer;
  std::string text;
};

[[noreturn]] void fail(std::string pointer, std::string text) {
  throw Problem{std::move(pointer), std::move(text)};
}

// An RFC 6901 JSON pointer under construction: kRoot / "faults" / i / "at_s".
struct Pointer {
  std::string text;

  Pointer operator/(std::string_view key) const {
    std::string escaped;
    for (char c : key) {
      if (c == '~') {
        escaped += "~0";
      } else if (c == '/') {
        escaped += "~1";
      } else {
        escaped += c;
      }
    }
    return Pointer{text + "/" + escaped};
  }
  Pointer operator/(std::size_t index) const { return Pointer{text + "/" + std::to_string(index)}; }
  // Implicit, so a Pointer goes straight into fail() and string concatenations.
  operator std::string() const { return text; }  // NOLINT(google-explicit-constructor)
};

const Pointer kRoot{};

// Numbers in messages as a person would write them: 60, 0.5, 68.38 (not 60.000000).
std::string num(double value) {
  std::ostringstream out;
  out << std::setprecision(15) << value;
  return out.str();
}

std::string in_quotes(std::string_view s) { return json(std::string(s)).dump(); }

// "a, b, c" — capped, because a message naming 300 replicas helps nobody.
std::string list_names(const std::vector<std::string>& names) {
  constexpr std::size_t kMaxListed = 12;
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < kMaxListed; ++i) {
    if (i > 0) out += ", ";
    out += names[i];
  }
  if (names.size() > kMaxListed) out += ", ... (" + std::to_string(names.size()) + " in all)";
  return out;
}

// ---------------------------------------------------------------------------------------------
// Step 1: JSON syntax, plus duplicate keys. nlohmann keeps the last of two equal keys
// silently; in a scenario that hides edits ("faults" written twice, the first one ignored),
// so a duplicate is reported like a syntax error.

json parse_json(const std::string& text) {
  struct Frame {
    bool is_array = false;
    std::size_t index = 0;  // arrays: index of the element being parsed
    std::string key;        // objects: key of the member being parsed
    std::set<std::string> keys;
  };
  std::vector<Frame> stack;
  std::optional<Problem> duplicate;

  auto pointer_of_stack = [&stack]() {
    Pointer p = kRoot;
    for (const Frame& frame : stack) p = frame.is_array ? p / frame.index : p / frame.key;
    return p;
  };

  json::parser_callback_t on_event = [&](int /*depth*/, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
        stack.push_back(Frame{});
        break;
      case json::parse_event_t::array_start:
        stack.push_back(Frame{});
        stack.back().is_array = true;
        break;
      case json::parse_event_t::key: {
        Frame& frame = stack.back();
        frame.key = parsed.get<std::string>();
        if (!frame.keys.insert(frame.key).second && !duplicate) {
          duplicate = Problem{pointer_of_stack(),
                              "duplicate key " + in_quotes(frame.key) +
                                  " (a JSON object must not repeat a key; only one would be used)"};
        }
        break;
      }
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        stack.pop_back();
        [[fallthrough]];
      case json::parse_event_t::value:
        // A complete value: if it was an array element, the next element has the next index.
        if (!stack.empty() && stack.back().is_array) ++stack.back().index;
        break;
    }
    return true;
  };

  json doc;
  try {
    doc = json::parse(text, on_event, /*allow_exceptions=*/true, /*ignore_comments=*/false);
  } catch (const json::parse_error& e) {
    // e.what() is "[json.exception.parse_error.101] parse error at line 3, column 5: ...";
    // keep the part from "line" on, which is what a person can act on.
    std::string what = e.what();
    const std::size_t at = what.find("line ");
    fail("", "not valid JSON: " + (at == std::string::npos ? what : what.substr(at)));
  }
  if (duplicate) throw *duplicate;
  return doc;
}

// ---------------------------------------------------------------------------------------------
// Step 1b: `--set` overrides, applied to the document before anything checks it, so an
// override is held to every rule a value written in the file is.

std::size_t array_index(const std::string& token, const ScenarioOverride& override) {
  const bool digits = !token.empty() && std::all_of(token.begin(), token.end(),
                                                    [](char c) { return c >= '0' && c <= '9'; });
  if (!digits || (token.size() > 1 && token[0] == '0') || token.size() > 9) {
    fail(override.pointer, "--set: " + in_quotes(token) + " is not an array index");
  }
  return std::stoul(token);
}

// The element `token` names in the array at `at`, which must already hold it.
json& existing_element(json& array, const json::json_pointer& at, const std::string& token,
                       const ScenarioOverride& override) {
  const std::size_t index = array_index(token, override);
  if (index >= array.size()) {
    fail(override.pointer, "--set: no element " + token + " (" + at.to_string() + " has " +
                               std::to_string(array.size()) +
                               (array.size() == 1 ? " element)" : " elements)"));
  }
  return array[index];
}

[[noreturn]] void fail_not_a_container(const json::json_pointer& at,
                                       const ScenarioOverride& override) {
  fail(override.pointer,
       "--set: " + (at.empty() ? "(root)" : at.to_string()) + " is not an object or an array");
}

// Where the override's field goes. Objects the scenario lacks on the way are made, so that
// `--set /network_model/direct_tolerance_us=5` works on a scenario without a network_model;
// a misspelt name still fails, as an unknown field of the schema. Arrays are never extended.
json& container_of(json& doc, const json::json_pointer& pointer, const ScenarioOverride& override) {
  std::vector<std::string> tokens;
  for (json::json_pointer up = pointer.parent_pointer(); !up.empty(); up = up.parent_pointer()) {
    tokens.push_back(up.back());
  }
  json* node = &doc;
  json::json_pointer at;
  for (auto token = tokens.rbegin(); token != tokens.rend(); ++token) {
    if (node->is_object()) {
      node = &node->emplace(*token, json::object()).first.value();  // the one there, if any
    } else if (node->is_array()) {
      node = &existing_element(*node, at, *token, override);
    } else {
      fail_not_a_container(at, override);
    }
    at /= *token;
  }
  return *node;
}

void apply_override(json& doc, const ScenarioOverride& override) {
  const json::json_pointer pointer(override.pointer);  // parse_override checked the syntax
  if (pointer.empty()) fail("", "--set needs a pointer below the root");
  json& container = container_of(doc, pointer, override);
  const std::string& last = pointer.back();
  if (container.is_object()) {
    container[last] = override.value;
  } else if (container.is_array()) {
    existing_element(container, pointer.parent_pointer(), last, override) = override.value;
  } else {
    fail_not_a_container(pointer.parent_pointer(), override);
  }
}

// ---------------------------------------------------------------------------------------------
// Step 2: the JSON Schema. valijson reports errors innermost first with generic texts
// ("Value type not permitted by 'type' constraint."); the first one is turned into a plain
// sentence by looking at the offending value and the schema that governs it.

std::vector<std::string> context_tokens(const std::vector<std::string>& context) {
  // valijson's context is "<root>", "[topology]", "[regions]", "[0]".
  std::vector<std::string> tokens;
  for (const std::string& part : context) {
    if (part == "<root>") continue;
    if (part.size() >= 2 && part.front() == '[' && part.back() == ']') {
      tokens.push_back(part.substr(1, part.size() - 2));
    } else {
      tokens.push_back(part);
    }
  }
  return tokens;
}

// The document value and the schema that describes it at `tokens`. Our schema only nests
// through "properties" and "items", so that is all this follows; null when not found.
std::pair<const json*, const json*> locate(const json& doc, const json& schema,
                                           const std::vector<std::string>& tokens) {
  const json* value = &doc;
  const json* sub = &schema;
  for (const std::string& token : tokens) {
    if (value == nullptr) break;
    const json* next_sub = nullptr;
    if (value->is_array()) {
      const std::size_t index = std::stoul(token);
      value = index < value->size() ? &(*value)[index] : nullptr;
      if (sub != nullptr && sub->contains("items")) next_sub = &sub->at("items");
    } else if (value->is_object()) {
      value = value->contains(token) ? &value->at(token) : nullptr;
      if (sub != nullptr && sub->contains("properties") && sub->at("properties").contains(token)) {
        next_sub = &sub->at("properties").at(token);
      }
    } else {
      value = nullptr;
    }
    sub = next_sub;
  }
  return {value, sub};
}

std::string type_name(const json& value) {
  switch (value.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "integer";
    case json::value_t::number_float:
      return "number";
    case json::value_t::string:
      return "string";
    case json::value_t::array:
      return "array";
    case json::value_t::object:
      return "object";
    default:
      return "value";
  }
}

// "string \"200\"", "1.5", "array": enough of the value to recognise it.
std::string describe_value(const json& value) {
  if (value.is_string()) return "string " + value.dump();
  if (value.is_number() || value.is_boolean() || value.is_null()) return value.dump();
  return type_name(value);
}

std::string expected_types(const json& sub) {
  const json& type = sub.at("type");
  if (type.is_string()) return type.get<std::string>();
  std::string out;
  for (const json& t : type) out += (out.empty() ? "" : " or ") + t.get<std::string>();
  return out;
}

// Which numeric bound `value` breaks, as "must be > 0".
std::optional<std::string> bound_violated(const json& sub, double value) {
  if (sub.contains("exclusiveMinimum") && value <= sub["exclusiveMinimum"].get<double>()) {
    return "must be > " + sub["exclusiveMinimum"].dump();
  }
  if (sub.contains("minimum") && value < sub["minimum"].get<double>()) {
    return "must be >= " + sub["minimum"].dump();
  }
  if (sub.contains("exclusiveMaximum") && value >= sub["exclusiveMaximum"].get<double>()) {
    return "must be < " + sub["exclusiveMaximum"].dump();
  }
  if (sub.contains("maximum") && value > sub["maximum"].get<double>()) {
    return "must be <= " + sub["maximum"].dump();
  }
  return std::nullopt;
}

// The quoted name at the end of valijson texts like "Missing required property 'ack'.".
std::string quoted_tail(const std::string& description) {
  const std::size_t close = description.rfind('\'');
  if (close == std::string::npos || close == 0) return "";
  const std::size_t open = description.rfind('\'', close - 1);
  if (open == std::string::npos) return "";
  return description.substr(open + 1, close - open - 1);
}

Problem describe_schema_error(const valijson::ValidationResults::Error& error, const json& doc,
                              const json& schema) {
  const std::vector<std::string> tokens = context_tokens(error.context);
  Pointer pointer = kRoot;
  for (const std::string& token : tokens) pointer = pointer / token;
  const auto [value, sub] = locate(doc, schema, tokens);
  const std::string& d = error.description;

  if (value != nullptr && sub != nullptr) {
    if (d.starts_with("Value type not permitted") && sub->contains("type")) {
      return {pointer, "expected " + expected_types(*sub) + ", got " + describe_value(*value)};
    }
    if ((d.starts_with("Expected number greater") || d.starts_with("Expected number less")) &&
        value->is_number()) {
      if (auto bound = bound_violated(*sub, value->get<double>())) {
        return {pointer, *bound + ", got " + value->dump()};
      }
      // valijson reads integers as int64, so one above INT64_MAX wraps negative and fails
      // "minimum" even though, as a double, it looks within every bound.
      if (value->is_number_unsigned() &&
          value->get<std::uint64_t>() > std::uint64_t{std::numeric_limits<std::int64_t>::max()}) {
        return {pointer, "must be <= " + std::to_string(std::numeric_limits<std::int64_t>::max()) +
                             ", got " + value->dump()};
      }
    }
    if (d.starts_with("Failed to match against any enum values") && sub->contains("enum")) {
      std::string allowed;
      for (const json& option : sub->at("enum")) {
        allowed += (allowed.empty() ? "" : ", ") + option.dump();
      }
      return {pointer, "must be one of " + allowed + "; got " + describe_value(*value)};
    }
    if (d.starts_with("Failed to match regex") && sub->contains("pattern")) {
      const std::string pattern = sub->at("pattern").get<std::string>();
      // Region names are the only pattern today; say it in words as well as the regex.
      const std::string words =
          pattern == "^[a-z0-9][a-z0-9-]*$" ? " (lowercase letters, digits and '-')" : "";
      return {pointer, "must match " + pattern + words + "; got " + describe_value(*value)};
    }
    if ((d.starts_with("Array should contain no fewer") ||
         d.starts_with("Array should contain no more")) &&
        value->is_array()) {
      const bool too_few = d.starts_with("Array should contain no fewer");
      const std::size_t bound = sub->value(too_few ? "minItems" : "maxItems", std::size_t{0});
      return {pointer, std::string("must have ") + (too_few ? "at least " : "at most ") +
                           std::to_string(bound) + (bound == 1 ? " item" : " items") + ", got " +
                           std::to_string(value->size())};
    }
    if (d.starts_with("String should be no fewer")) {
      const std::size_t min_length = sub->value("minLength", std::size_t{1});
      return {pointer, min_length == 1
                           ? std::string("must not be empty")
                           : "must be at least " + std::to_string(min_length) + " characters long"};
    }
    if (d.starts_with("Missing required property")) {
      const std::string field = quoted_tail(d);
      std::string text = "missing required field " + in_quotes(field);
      // Fields required by a conditional branch (a fault's type) are not in the base list;
      // say which type needs them, since the base schema alone would not explain it.
      const json base_required = sub->value("required", json::array());
      if (std::find(base_required.begin(), base_required.end(), field) == base_required.end() &&
          value->is_object() && value->contains("type") && value->at("type").is_string()) {
        text += " (needed by type " + value->at("type").dump() + ")";
      }
      return {pointer, text};
    }
    if (d.starts_with("Object contains a property that could not be validated")) {
      // Point at the unknown field itself, not the object holding it: that is the line to fix.
      const std::string field = quoted_tail(d);
      std::vector<std::string> allowed;
      if (sub->contains("properties")) {
        for (const auto& [name, unused] : sub->at("properties").items()) allowed.push_back(name);
      }
      return {pointer / field,
              "unknown field " + in_quotes(field) + "; allowed here: " + list_names(allowed)};
    }
  }
  if (d.starts_with("Target should not validate against schema specified in 'not'")) {
    // Only used to forbid fields that belong to another fault type.
    const std::string field = tokens.empty() ? "" : tokens.back();
    std::vector<std::string> parent_tokens = tokens;
    if (!parent_tokens.empty()) parent_tokens.pop_back();
    const json* parent = locate(doc, schema, parent_tokens).first;
    if (parent != nullptr && parent->is_object() && parent->contains("type")) {
      return {pointer,
              "field " + in_quotes(field) + " does not apply to type " + parent->at("type").dump()};
    }
    return {pointer, "field " + in_quotes(field) + " is not allowed here"};
  }
  return {pointer, d};
}

// Errors that only say "a child failed": the child's own error is the useful one.
bool is_wrapper_error(const std::string& description) {
  return description.starts_with("Failed to validate item") ||
         description.starts_with("Failed to validate against schema associated with") ||
         description.starts_with("Failed to validate against a conditional schema") ||
         description.starts_with("Failed to validate against additional properties");
}

void validate_against_schema(const json& doc) {
  const json schema_doc = json::parse(kSchema);
  valijson::Schema schema;
  valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
  const valijson::adapters::NlohmannJsonAdapter schema_adapter(schema_doc);
  parser.populateSchema(schema_adapter, schema);

  valijson::Validator validator;  // strict types: "200" is not a number
  valijson::ValidationResults results;
  const valijson::adapters::NlohmannJsonAdapter target(doc);
  if (validator.validate(schema, target, &results)) return;

  const valijson::ValidationResults::Error* first = nullptr;
  for (const auto& error : results) {
    if (first == nullptr) first = &error;
    if (!is_wrapper_error(error.description)) {
      first = &error;
      break;
    }
  }
  if (first == nullptr) fail("", "does not match the scenario schema");
  throw describe_schema_error(*first, doc, schema_doc);
}

// ---------------------------------------------------------------------------------------------
// Step 3: typed parse with defaults, and the checks that need more than one field. The schema
// has already fixed every type, so get<>() cannot throw here.

// Overwrites `out` only when the key is present, so the defaults stay those in scenario.h.
template <typename T>
void read_optional(const json& object, const char* key, T& out) {
  if (auto it = object.find(key); it != object.end()) out = it->get<T>();
}

class RegionIndex {
 public:
  explicit RegionIndex(const std::vector<Region>& regions) : regions_(regions) {
    for (std::size_t i = 0; i < regions.size(); ++i) index_.emplace(regions[i].name, i);
  }
  std::optional<std::size_t> find(const std::string& name) const {
    auto it = index_.find(name);
    if (it == index_.end()) return std::nullopt;
    return it->second;
  }
  // The index of `name`, or a failure at `pointer` naming the known regions.
  std::size_t require(const std::string& name, const std::string& pointer) const {
    if (auto index = find(name)) return *index;
    std::vector<std::string> names;
    for (const Region& region : regions_) names.push_back(region.name);
    fail(pointer, "unknown region " + in_quotes(name) + "; regions are: " + list_names(names));
  }

 private:
  const std::vector<Region>& regions_;
  std::map<std::string, std::size_t> index_;
};

// Availability zones: replicas placed in order, the zones' counts adding up to `nodes` (when
// given), and a round trip between zones no shorter than inside one.
void parse_zones(const json& r, const Pointer& at, Region& region) {
  if (!r.contains("zones")) {
    if (r.contains("inter_zone_rtt_ms")) {
      fail(at / "inter_zone_rtt_ms", "only used with zones; the region has none");
    }
    return;
  }
  std::uint64_t placed = 0;
  for (const json& z : r.at("zones")) {
    region.zones.push_back(
        Zone{z.at("name").get<std::string>(), z.at("nodes").get<std::uint32_t>()});
    placed += region.zones.back().nodes;
  }
  if (r.contains("nodes") && placed != region.nodes) {
    fail(at / "nodes", "nodes = " + std::to_string(region.nodes) + " but its zones hold " +
                           std::to_string(placed) + " replicas; drop nodes or make them agree");
  }
  if (placed > std::numeric_limits<std::uint32_t>::max()) fail(at / "zones", "too many replicas");
  region.nodes = static_cast<std::uint32_t>(placed);
  if (!r.contains("inter_zone_rtt_ms")) {
    fail(at,
         "missing field \"inter_zone_rtt_ms\" (needed with zones: the round trip between two "
         "of them)");
  }
  region.inter_zone_rtt_ms = r.at("inter_zone_rtt_ms").get<double>();
  if (region.inter_zone_rtt_ms < region.intra_rtt_ms) {
    fail(at / "inter_zone_rtt_ms", "inter_zone_rtt_ms " + num(region.inter_zone_rtt_ms) +
                                       " is less than intra_rtt_ms " + num(region.intra_rtt_ms) +
                                       "; crossing zones cannot be faster than staying in one");
  }
}

// Zone names are unique and name nothing else, so a fault can name a region, a zone or a
// replica without ambiguity.
void check_zone_names(const std::vector<Region>& regions) {
  Topology topology;
  topology.regions = regions;
  const std::vector<std::string> replicas = replica_names(topology);
  std::map<std::string, std::string> seen;  // zone name -> its pointer
  for (std::size_t i = 0; i < regions.size(); ++i) {
    for (std::size_t z = 0; z < regions[i].zones.size(); ++z) {
      const std::string& name = regions[i].zones[z].name;
      const Pointer at = kRoot / "topology" / "regions" / i / "zones" / z / "name";
      if (auto [it, inserted] = seen.emplace(name, at); !inserted) {
        fail(at, "duplicate zone name " + in_quotes(name) + " (also " + it->second + ")");
      }
      const bool region_name = std::any_of(regions.begin(), regions.end(),
                                           [&](const Region& other) { return other.name == name; });
      if (region_name || std::find(replicas.begin(), replicas.end(), name) != replicas.end()) {
        fail(at, "zone name " + in_quotes(name) + " is also a " +
                     (region_name ? "region" : "replica") + " name; faults name zones, regions " +
                     "and replicas alike, so each name must be unique");
      }
    }
  }
}

std::vector<Region> parse_regions(const json& regions_json) {
  std::vector<Region> regions;
  std::map<std::string, std::size_t> seen;
  for (std::size_t i = 0; i < regions_json.size(); ++i) {
    const json& r = regions_json[i];
    Region region;
    region.name = r.at("name").get<std::string>();
    read_optional(r, "nodes", region.nodes);
    read_optional(r, "intra_rtt_ms", region.intra_rtt_ms);
    parse_zones(r, kRoot / "topology" / "regions" / i, region);
    if (auto [it, inserted] = seen.emplace(region.name, i); !inserted) {
      fail(kRoot / "topology" / "regions" / i / "name",
           "duplicate region name " + in_quotes(region.name) + " (also /topology/regions/" +
               std::to_string(it->second) + ")");
    }
    regions.push_back(std::move(region));
  }
  std::uint64_t replicas = 0;
  for (const Region& region : regions) replicas += region.nodes;
  if (replicas == 0) {
    fail(kRoot / "topology" / "regions", "no replicas: every region has nodes = 0");
  }
  check_zone_names(regions);
  return regions;
}

// The full mesh: one Link per unordered region pair, in region order (i < j), each from
// topology.links when listed there and from the built-in table otherwise.
std::vector<Link> parse_links(const json& topology, const std::vector<Region>& regions) {
  const RegionIndex index(regions);
  double default_bandwidth_mbps = kDefaultLinkBandwidthMbps;
  read_optional(topology, "default_link_bandwidth_mbps", default_bandwidth_mbps);

  // Minimum host-to-host RTT between two regions: the path leaves one region's local network
  // and enters the other's, so it cannot be shorter than half of each local round trip.
  auto min_rtt_ms = [&regions](std::size_t a, std::size_t b) {
    return (regions[a].intra_rtt_ms + regions[b].intra_rtt_ms) / 2;
  };
  auto too_short = [&](std::size_t a, std::size_t b, double rtt_ms, const std::string& what) {
    return what + " " + num(rtt_ms) + " ms for " + regions[a].name + " <-> " + regions[b].name +
           " is less than (intra_rtt_ms of " + regions[a].name + " + intra_rtt_ms of " +
           regions[b].name + ") / 2 = " + num(min_rtt_ms(a, b)) +
           " ms; a host-to-host path crosses both regions' local networks";
  };

  struct Listed {
    std::size_t position;  // in topology.links
    std::optional<double> rtt_ms;
    double bandwidth_mbps;
  };
  std::map<std::pair<std::size_t, std::size_t>, Listed> listed;
  const json links_json = topology.value("links", json::array());
  for (std::size_t i = 0; i < links_json.size(); ++i) {
    const json& l = links_json[i];
    const Pointer at = kRoot / "topology" / "links" / i;
    const auto names = l.at("regions").get<std::vector<std::string>>();
    const std::size_t a = index.require(names[0], at / "regions" / std::size_t{0});
    const std::size_t b = index.require(names[1], at / "regions" / std::size_t{1});
    if (a == b) {
      fail(at / "regions" / std::size_t{1},
           "a link joins two different regions; both are " + in_quotes(names[0]));
    }
    const auto key = std::minmax(a, b);
    if (auto it = listed.find(key); it != listed.end()) {
      fail(at / "regions", "link " + regions[key.first].name + " <-> " + regions[key.second].name +
                               " is already listed at /topology/links/" +
                               std::to_string(it->second.position));
    }
    Listed entry{i, std::nullopt, default_bandwidth_mbps};
    if (l.contains("rtt_ms")) {
      entry.rtt_ms = l["rtt_ms"].get<double>();
      if (*entry.rtt_ms < min_rtt_ms(a, b))
        fail(at / "rtt_ms", too_short(a, b, *entry.rtt_ms, "rtt_ms"));
    }
    read_optional(l, "bandwidth_mbps", entry.bandwidth_mbps);
    listed.emplace(key, entry);
  }

  std::vector<Link> links;
  for (std::size_t a = 0; a < regions.size(); ++a) {
    for (std::size_t b = a + 1; b < regions.size(); ++b) {
      Link link{regions[a].name, regions[b].name, 0, default_bandwidth_mbps, "scenario"};
      const auto it = listed.find({a, b});
      if (it != listed.end()) link.bandwidth_mbps = it->second.bandwidth_mbps;
      if (it != listed.end() && it->second.rtt_ms) {
        link.rtt_ms = *it->second.rtt_ms;
      } else {
        // Listed without rtt_ms, or not listed: the built-in table, else the user must say.
        const std::string at = it != listed.end()
                                   ? std::string(kRoot / "topology" / "links" / it->second.position)
                                   : std::string(kRoot / "topology" / "links");
        const auto row = lookup_builtin_rtt(link.region_a, link.region_b);
        if (!row) {
          fail(at, "no RTT for " + link.region_a + " <-> " + link.region_b +
                       (it != listed.end() ? "; add rtt_ms to this link"
                                           : "; add it to topology.links"));
        }
        link.rtt_ms = row->rtt_ms;
        link.rtt_source = builtin_rtt_source(*row);
        if (link.rtt_ms < min_rtt_ms(a, b)) {
          fail(at, too_short(a, b, link.rtt_ms, "built-in RTT") +
                       "; lower intra_rtt_ms or set rtt_ms in topology.links");
        }
      }
      links.push_back(std::move(link));
    }
  }
  return links;
}

NodeResources parse_node(const json& doc) {
  NodeResources node;
  if (!doc.contains("node")) return node;
  const json& n = doc["node"];
  if (auto it = n.find("service_time_ms"); it != n.end()) {
    if (it->value("distribution", "constant") == "exponential") {
      node.service_distribution = ServiceDistribution::kExponential;
    }
    read_optional(*it, "mean", node.service_time_ms);
  }
  read_optional(n, "cores", node.cores);
  read_optional(n, "fsync_ms", node.fsync_ms);
  read_optional(n, "nic_bandwidth_mbps", node.nic_bandwidth_mbps);
  return node;
}

// A replica name given in the scenario; fails naming the known ones.
void require_replica(const std::vector<std::string>& replicas, const std::string& name,
                     const Pointer& at) {
  if (std::find(replicas.begin(), replicas.end(), name) == replicas.end()) {
    fail(at, "unknown node " + in_quotes(name) + "; nodes are: " + list_names(replicas));
  }
}

PrimaryBackupSettings parse_primary_backup(const json& p, const Scenario& s) {
  const Pointer at = kRoot / "protocol";
  PrimaryBackupSettings pb;
  const std::string ack = p.at("ack").get<std::string>();
  pb.ack = ack == "async" ? AckMode::kAsync : ack == "sync" ? AckMode::kSync : AckMode::kSemiSync;

  const RegionIndex regions(s.topology.regions);
  pb.primary_region = p.at("primary_region").get<std::string>();
  const std::size_t primary = regions.require(pb.primary_region, at / "primary_region");
  if (s.topology.regions[primary].nodes == 0) {
    fail(at / "primary_region", "primary region " + in_quotes(pb.primary_region) +
                                    " has nodes = 0; the initial primary is its replica 0");
  }

  const std::vector<std::string> replicas = replica_names(s.topology);
  const std::size_t backups = replicas.size() - 1;
  read_optional(p, "semi_sync_acks", pb.semi_sync_acks);
  // A knob that has no effect in this mode is an error rather than silently ignored, so
  // nobody reads a result believing it applied.
  if (p.contains("semi_sync_acks") && pb.ack != AckMode::kSemiSync) {
    fail(at / "semi_sync_acks",
         "only used with ack \"semi_sync\" (ack is " + in_quotes(ack) + "); remove it");
  }
  if (pb.ack == AckMode::kSemiSync && pb.semi_sync_acks > backups) {
    const std::string replicas_text =
        "the topology has " + std::to_string(backups) + (backups == 1 ? " backup" : " backups") +
        (backups == 0
             ? std::string(" (the only replica is the primary)")
             : " (" + std::to_string(replicas.size()) + " replicas, one of them the primary)");
    if (p.contains("semi_sync_acks")) {
      fail(at / "semi_sync_acks", "semi_sync_acks = " + std::to_string(pb.semi_sync_acks) +
                                      " is more than the number of backups: " + replicas_text);
    }
    fail(at / "ack", "ack \"semi_sync\" waits for semi_sync_acks = 1 backup (the default), but " +
                         replicas_text);
  }
  read_optional(p, "heartbeat_interval_ms", pb.heartbeat_interval_ms);

  const json failover = p.value("failover", json::object());
  const Pointer fat = at / "failover";
  if (failover.value("mode", "automatic") == "scripted") pb.failover_mode = FailoverMode::kScripted;
  read_optional(failover, "failover_timeout_ms", pb.failover_timeout_ms);
  if (pb.failover_mode == FailoverMode::kAutomatic) {
    if (failover.contains("promotions")) {
      fail(fat / "promotions",
           "promotions are only used with failover mode \"scripted\" (mode is \"automatic\")");
    }
    if (pb.failover_timeout_ms <= pb.heartbeat_interval_ms) {
      fail(failover.contains("failover_timeout_ms") ? std::string(fat / "failover_timeout_ms")
                                                    : std::string(at / "heartbeat_interval_ms"),
           "failover_timeout_ms (" + num(pb.failover_timeout_ms) +
               ") must be greater than heartbeat_interval_ms (" + num(pb.heartbeat_interval_ms) +
               "), or every gap between heartbeats would start a takeover");
    }
  } else {
    if (failover.contains("failover_timeout_ms")) {
      fail(fat / "failover_timeout_ms",
           "only used with failover mode \"automatic\" (mode is \"scripted\"); remove it");
    }
    const json promotions = failover.value("promotions", json::array());
    for (std::size_t i = 0; i < promotions.size(); ++i) {
      ScriptedPromotion promotion{promotions[i].at("at_s").get<double>(),
                                  promotions[i].at("node").get<std::string>()};
      if (promotion.at_s >= s.duration_s) {
        fail(fat / "promotions" / i / "at_s",
             "promotion at " + num(promotion.at_s) +
                 " s is not before the end of the run (duration_s = " + num(s.duration_s) + ")");
      }
      require_replica(replicas, promotion.node, fat / "promotions" / i / "node");
      pb.promotions.push_back(std::move(promotion));
    }
  }
  return pb;
}

RaftSettings parse_raft(const json& p, const Scenario& s) {
  const Pointer at = kRoot / "protocol";
  RaftSettings raft;
  read_optional(p, "election_timeout_min_ms", raft.election_timeout_min_ms);
  read_optional(p, "election_timeout_max_ms", raft.election_timeout_max_ms);
  read_optional(p, "heartbeat_interval_ms", raft.heartbeat_interval_ms);
  read_optional(p, "pre_vote", raft.pre_vote);
  read_optional(p, "check_quorum", raft.check_quorum);
  raft.deduplicate_writes = !p.value("unsafe_no_dedup", false);
  read_optional(p, "snapshot_threshold_entries", raft.snapshot_threshold_entries);
  read_optional(p, "max_inflight_appends", raft.max_inflight_appends);
  read_optional(p, "max_entries_per_append", raft.max_entries_per_append);
  const std::string read_mode = p.value("read_mode", "read_index");
  if (read_mode == "lease") raft.read_mode = RaftReadMode::kLease;
  if (read_mode == "unsafe_local") raft.read_mode = RaftReadMode::kUnsafeLocal;
  read_optional(p, "max_clock_drift", raft.max_clock_drift);
  if (p.contains("max_clock_drift") && raft.read_mode != RaftReadMode::kLease) {
    fail(at / "max_clock_drift", "only used with read_mode \"lease\"; remove it");
  }
  if (raft.election_timeout_min_ms <= raft.heartbeat_interval_ms) {
    fail(p.contains("election_timeout_min_ms") ? std::string(at / "election_timeout_min_ms")
                                               : std::string(at / "heartbeat_interval_ms"),
         "election_timeout_min_ms (" + num(raft.election_timeout_min_ms) +
             ") must be greater than heartbeat_interval_ms (" + num(raft.heartbeat_interval_ms) +
             "), or followers would start elections between heartbeats");
  }
  if (raft.election_timeout_max_ms <= raft.election_timeout_min_ms) {
    fail(p.contains("election_timeout_max_ms") ? std::string(at / "election_timeout_max_ms")
                                               : std::string(at / "election_timeout_min_ms"),
         "election_timeout_max_ms (" + num(raft.election_timeout_max_ms) +
             ") must be greater than election_timeout_min_ms (" +
             num(raft.election_timeout_min_ms) + "): the timeout is drawn between them");
  }

  const std::vector<std::string> replicas = replica_names(s.topology);
  std::map<std::string, std::string> member_list;  // replica -> the list naming it
  auto read_members = [&](const char* key, std::vector<std::string>& out) {
    const json list = p.value(key, json::array());
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string name = list[i].get<std::string>();
      require_replica(replicas, name, at / key / i);
      if (auto [it, inserted] = member_list.emplace(name, key); !inserted) {
        fail(at / key / i, "node " + in_quotes(name) + " is also in " + it->second +
                               "; a replica is a voter or a learner, not both");
      }
    }
    // Replica order, whatever order the file lists them in.
    for (const std::string& name : replicas) {
      if (member_list.contains(name) && member_list.at(name) == key) out.push_back(name);
    }
  };
  read_members("voters", raft.voters);
  read_members("learners", raft.learners);
  if (!p.contains("voters")) {
    for (const std::string& name : replicas) {
      if (!member_list.contains(name)) raft.voters.push_back(name);
    }
  }
  if (raft.voters.empty()) {
    fail(p.contains("voters") ? std::string(at / "voters") : std::string(at / "learners"),
         "no voting member: a Raft cluster needs at least one voter");
  }
  if (p.contains("initial_leader")) {
    raft.initial_leader = p.at("initial_leader").get<std::string>();
    require_replica(replicas, *raft.initial_leader, at / "initial_leader");
    if (std::find(raft.voters.begin(), raft.voters.end(), *raft.initial_leader) ==
        raft.voters.end()) {
      fail(at / "initial_leader", "node " + in_quotes(*raft.initial_leader) +
                                      " is not a voter; voters are: " + list_names(raft.voters));
    }
  }
  return raft;
}

Protocol parse_protocol(const json& doc, const Scenario& s) {
  const json& p = doc.at("protocol");
  Protocol protocol;
  if (p.at("type").get<std::string>() == "raft") {
    protocol.type = ProtocolType::kRaft;
    protocol.raft = parse_raft(p, s);
    return protocol;
  }
  protocol.type = ProtocolType::kPrimaryBackup;
  protocol.primary_backup = parse_primary_backup(p, s);
  return protocol;
}

std::vector<Workload> parse_workloads(const json& doc, const Scenario& s) {
  const RegionIndex regions(s.topology.regions);
  std::vector<Workload> workloads;
  const json& list = doc.at("workload");
  for (std::size_t i = 0; i < list.size(); ++i) {
    const json& w = list[i];
    const Pointer at = kRoot / "workload" / i;
    Workload workload;
    workload.region = w.at("region").get<std::string>();
    const std::size_t region = regions.require(workload.region, at / "region");
    if (w.contains("zone")) {
      workload.zone = w.at("zone").get<std::string>();
      std::vector<std::string> zones;
      for (const Zone& zone : s.topology.regions[region].zones) zones.push_back(zone.name);
      if (std::find(zones.begin(), zones.end(), workload.zone) == zones.end()) {
        fail(at / "zone",
             "region " + in_quotes(workload.region) + " has no zone " + in_quotes(workload.zone) +
                 (zones.empty() ? " (it has no zones)" : "; its zones are: " + list_names(zones)));
      }
    }
    if (w.contains("rate_per_s") == w.contains("closed_loop")) {
      fail(at, w.contains("rate_per_s")
                   ? "rate_per_s (open loop) and closed_loop are exclusive; keep one"
                   : "missing the load: rate_per_s (open loop) or closed_loop");
    }
    read_optional(w, "rate_per_s", workload.rate_per_s);
    if (w.contains("closed_loop")) {
      ClosedLoop loop;
      loop.users = w["closed_loop"].at("users").get<std::uint32_t>();
      read_optional(w["closed_loop"], "think_time_ms", loop.think_time_ms);
      workload.closed_loop = loop;
    }
    read_optional(w, "write_fraction", workload.write_fraction);
    read_optional(w, "key_space", workload.key_space);
    if (w.value("key_distribution", "uniform") == "zipfian") {
      workload.key_distribution = KeyDistribution::kZipfian;
    } else if (w.contains("zipf_exponent")) {
      fail(at / "zipf_exponent",
           "only used with key_distribution \"zipfian\" (it is \"uniform\"); remove it");
    }
    read_optional(w, "zipf_exponent", workload.zipf_exponent);
    read_optional(w, "value_bytes", workload.value_bytes);
    // "local" on a region without replicas is fine: clients read from the nearest replica.
    if (w.value("read_from", "primary") == "local") workload.read_from = ReadTarget::kLocal;
    read_optional(w, "client_timeout_ms", workload.client_timeout_ms);
    if (w.contains("dns")) {
      DnsSettings dns;
      dns.ttl_s = w["dns"].at("ttl_s").get<double>();
      read_optional(w["dns"], "clients", dns.clients);
      workload.dns = dns;
    }
    workload.retry.attempt_timeout_ms = workload.client_timeout_ms;
    if (w.contains("retry")) {
      const json& r = w["retry"];
      RetrySettings& retry = workload.retry;
      retry.max_attempts = 3;
      read_optional(r, "max_attempts", retry.max_attempts);
      retry.attempt_timeout_ms = workload.client_timeout_ms / retry.max_attempts;
      read_optional(r, "attempt_timeout_ms", retry.attempt_timeout_ms);
      read_optional(r, "initial_backoff_ms", retry.initial_backoff_ms);
      read_optional(r, "max_backoff_ms", retry.max_backoff_ms);
      read_optional(r, "multiplier", retry.multiplier);
      const std::string jitter = r.value("jitter", "full");
      retry.jitter = jitter == "equal"  ? RetryJitter::kEqual
                     : jitter == "none" ? RetryJitter::kNone
                                        : RetryJitter::kFull;
      if (retry.attempt_timeout_ms > workload.client_timeout_ms) {
        fail(at / "retry" / "attempt_timeout_ms",
             "an attempt (" + num(retry.attempt_timeout_ms) +
                 " ms) cannot outlast the whole operation (client_timeout_ms = " +
                 num(workload.client_timeout_ms) + ")");
      }
      if (retry.max_backoff_ms < retry.initial_backoff_ms) {
        fail(at / "retry" / "max_backoff_ms", "max_backoff_ms (" + num(retry.max_backoff_ms) +
                                                  ") is below initial_backoff_ms (" +
                                                  num(retry.initial_backoff_ms) + ")");
      }
    }
    workloads.push_back(std::move(workload));
  }
  return workloads;
}

// The places a fault may name: regions, zones and replicas. Each stands for what it holds
// ("members": replicas by name, and each workload's clients as "the clients of workload <i>"),
// so groups that would cut a replica off from itself can be refused.
class PlaceIndex {
 public:
  explicit PlaceIndex(const Scenario& s) {
    const SiteLayout sites = site_layout(s.topology);
    const std::vector<std::string> replicas = replica_names(s.topology);
    for (std::size_t n = 0; n < replicas.size(); ++n) {
      const Region& region = s.topology.regions[sites.site_region[sites.node_site[n]]];
      add(replicas[n], replicas[n], Kind::kReplica);
      add(region.name, replicas[n], Kind::kRegion);
      if (!region.zones.empty()) add(sites.site_name[sites.node_site[n]], replicas[n], Kind::kZone);
    }
    for (std::size_t w = 0; w < s.workloads.size(); ++w) {
      const Workload& workload = s.workloads[w];
      const std::string clients = "the clients of workload " + std::to_string(w);
      add(workload.region, clients, Kind::kRegion);
      const std::uint32_t site = site_index(s.topology, sites, workload.region, workload.zone);
      if (!s.topology.regions[sites.site_region[site]].zones.empty()) {
        add(sites.site_name[site], clients, Kind::kZone);
      }
    }
    for (const Region& region : s.topology.regions) {
      add(region.name, "", Kind::kRegion);
      for (const Zone& zone : region.zones) add(zone.name, "", Kind::kZone);
    }
  }

  // What `name` holds; fails at `pointer` when it names nothing, or two things.
  const std::set<std::string>& require(const std::string& name, const std::string& pointer) const {
    const auto it = places_.find(name);
    if (it == places_.end()) {
      std::vector<std::string> names;
      for (const auto& [known, place] : places_) names.push_back(known);
      fail(pointer, "unknown place " + in_quotes(name) +
                        "; regions, zones and replicas are: " + list_names(names));
    }
    if (it->second.kinds.size() > 1) {
      fail(pointer, in_quotes(name) + " names both a region and a replica; use other names");
    }
    return it->second.members;
  }
  bool is_region(const std::string& name) const {
    const auto it = places_.find(name);
    return it != places_.end() && it->second.kinds == std::set<Kind>{Kind::kRegion};
  }
  bool is_zone(const std::string& name) const {
    const auto it = places_.find(name);
    return it != places_.end() && it->second.kinds == std::set<Kind>{Kind::kZone};
  }
  std::vector<std::string> zones() const {
    std::vector<std::string> names;
    for (const auto& [name, place] : places_) {
      if (place.kinds == std::set<Kind>{Kind::kZone}) names.push_back(name);
    }
    return names;
  }

 private:
  enum class Kind { kRegion, kZone, kReplica };
  struct Place {
    std::set<Kind> kinds;
    std::set<std::string> members;
  };
  void add(const std::string& name, const std::string& member, Kind kind) {
    Place& place = places_[name];
    place.kinds.insert(kind);
    if (!member.empty()) place.members.insert(member);
  }
  std::map<std::string, Place> places_;
};

// The first member two places share, if any.
std::optional<std::string> shared_member(const std::set<std::string>& a,
                                         const std::set<std::string>& b) {
  for (const std::string& member : a) {
    if (b.contains(member)) return member;
  }
  return std::nullopt;
}

Partition parse_partition(const json& f, const Pointer& at, const PlaceIndex& places) {
  Partition partition;
  partition.groups = f.at("groups").get<std::vector<std::vector<std::string>>>();
  std::map<std::string, std::pair<std::size_t, std::string>> group_of;  // member -> group, name
  for (std::size_t g = 0; g < partition.groups.size(); ++g) {
    for (std::size_t k = 0; k < partition.groups[g].size(); ++k) {
      const std::string& name = partition.groups[g][k];
      const Pointer member_at = at / "groups" / g / k;
      const std::set<std::string>& members = places.require(name, member_at);
      partition.regions_only = partition.regions_only && places.is_region(name);
      for (const std::string& member : members) {
        const auto [it, inserted] = group_of.emplace(member, std::pair(g, name));
        if (inserted || it->second.first == g) continue;
        if (places.is_region(name) && it->second.second == name) {
          fail(member_at, "region " + in_quotes(name) + " is already in group " +
                              std::to_string(it->second.first) + "; a region belongs to one group");
        }
        fail(member_at, in_quotes(name) + " overlaps " + in_quotes(it->second.second) +
                            " of group " + std::to_string(it->second.first) + " (both hold " +
                            member + "); a replica or client belongs to one group");
      }
    }
  }
  return partition;
}

OneWayPartition parse_one_way_partition(const json& f, const Pointer& at,
                                        const PlaceIndex& places) {
  OneWayPartition partition{f.at("from").get<std::vector<std::string>>(),
                            f.at("to").get<std::vector<std::string>>()};
  std::set<std::string> senders;
  for (std::size_t k = 0; k < partition.from.size(); ++k) {
    const std::set<std::string>& members = places.require(partition.from[k], at / "from" / k);
    senders.insert(members.begin(), members.end());
  }
  for (std::size_t k = 0; k < partition.to.size(); ++k) {
    const std::set<std::string>& members = places.require(partition.to[k], at / "to" / k);
    if (const auto member = shared_member(members, senders)) {
      fail(at / "to" / k, in_quotes(partition.to[k]) + " overlaps from (both hold " + *member +
                              "); a sender cannot be cut off from itself");
    }
  }
  return partition;
}

PartialPartition parse_partial_partition(const json& f, const Pointer& at,
                                         const PlaceIndex& places) {
  PartialPartition partition;
  const json& pairs = f.at("pairs");
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    const auto names = pairs[i].get<std::vector<std::string>>();
    const std::set<std::string>& a = places.require(names[0], at / "pairs" / i / std::size_t{0});
    const std::set<std::string>& b = places.require(names[1], at / "pairs" / i / std::size_t{1});
    if (const auto member = shared_member(a, b)) {
      fail(at / "pairs" / i / std::size_t{1}, in_quotes(names[1]) + " overlaps " +
                                                  in_quotes(names[0]) + " (both hold " + *member +
                                                  "); a pair cuts two different places apart");
    }
    partition.pairs.emplace_back(names[0], names[1]);
  }
  return partition;
}

// The two regions of a link fault: known, and different.
std::pair<std::string, std::string> parse_link_regions(const json& f, const Pointer& at,
                                                       const RegionIndex& regions) {
  const auto names = f.at("regions").get<std::vector<std::string>>();
  regions.require(names[0], at / "regions" / std::size_t{0});
  regions.require(names[1], at / "regions" / std::size_t{1});
  if (names[0] == names[1]) {
    fail(at / "regions" / std::size_t{1},
         "a link joins two different regions; both are " + in_quotes(names[0]));
  }
  return {names[0], names[1]};
}

// Faults on a link between two regions.
std::optional<decltype(Fault::what)> parse_link_fault(const std::string& type, const json& f,
                                                      const Pointer& at,
                                                      const RegionIndex& regions) {
  static const std::set<std::string> kLinkTypes = {
      "link_latency",  "link_jitter",         "packet_loss",       "bandwidth_cap",
      "link_flapping", "message_duplication", "message_reordering"};
  if (!kLinkTypes.contains(type)) return std::nullopt;
  const auto [a, b] = parse_link_regions(f, at, regions);
  if (type == "link_latency") return LinkLatency{a, b, f.at("extra_rtt_ms").get<double>()};
  if (type == "link_jitter") {
    const json& jitter = f.at("jitter_ms");
    return LinkJitter{a, b,
                      jitter.value("distribution", "exponential") == "uniform"
                          ? JitterDistribution::kUniform
                          : JitterDistribution::kExponential,
                      jitter.at("mean").get<double>()};
  }
  if (type == "packet_loss") {
    PacketLoss loss{a, b, f.at("probability").get<double>()};
    read_optional(f, "rto_min_ms", loss.rto_min_ms);
    if (loss.probability >= 1) {
      fail(at / "probability", "must be < 1 for packet_loss, got " + num(loss.probability) +
                                   " (a link that loses every packet is a partition)");
    }
    return loss;
  }
  if (type == "bandwidth_cap") return BandwidthCap{a, b, f.at("bandwidth_mbps").get<double>()};
  if (type == "link_flapping") {
    LinkFlapping flapping{a, b, f.at("period_s").get<double>(), f.at("down_s").get<double>()};
    if (flapping.down_s >= flapping.period_s) {
      fail(at / "down_s", "down_s (" + num(flapping.down_s) + ") must be less than period_s (" +
                              num(flapping.period_s) + "), or the link never comes back up");
    }
    return flapping;
  }
  if (type == "message_duplication") {
    return MessageDuplication{a, b, f.at("probability").get<double>()};
  }
  return MessageReordering{a, b, f.at("probability").get<double>(),
                           f.at("max_delay_ms").get<double>()};
}

// Faults on one replica (or on whichever leads when they start).
std::optional<decltype(Fault::what)> parse_node_fault(const std::string& type, const json& f,
                                                      const Pointer& at, const Scenario& s) {
  static const std::set<std::string> kNodeTypes = {"node_crash", "slow_disk", "process_pause",
                                                   "disk_stall", "clock_skew"};
  if (!kNodeTypes.contains(type)) return std::nullopt;
  const std::string node = f.at("node").get<std::string>();
  if (node != NodeCrash::kCurrentLeader) {
    require_replica(replica_names(s.topology), node, at / "node");
  }
  if (type == "node_crash") return NodeCrash{node};
  if (type == "slow_disk") return SlowDisk{node, f.at("fsync_factor").get<double>()};
  if (type == "process_pause") return ProcessPause{node};
  if (type == "disk_stall") return DiskStall{node};
  if (!f.contains("offset_ms") && !f.contains("drift")) {
    fail(at, "clock_skew needs offset_ms, drift or both; without them the clock is right");
  }
  ClockSkew skew{node};
  read_optional(f, "offset_ms", skew.offset_ms);
  read_optional(f, "drift", skew.drift);
  return skew;
}

// A node's clock takes one clock_skew fault at a time ("leader" may be any node).
void check_clock_faults_apart(const std::vector<Fault>& faults) {
  for (std::size_t j = 0; j < faults.size(); ++j) {
    const auto* later = std::get_if<ClockSkew>(&faults[j].what);
    if (later == nullptr) continue;
    for (std::size_t i = 0; i < j; ++i) {
      const auto* earlier = std::get_if<ClockSkew>(&faults[i].what);
      if (earlier == nullptr) continue;
      const bool same_node = earlier->node == later->node ||
                             earlier->node == NodeCrash::kCurrentLeader ||
                             later->node == NodeCrash::kCurrentLeader;
      const double infinity = std::numeric_limits<double>::infinity();
      const bool overlap = faults[i].at_s < faults[j].until_s.value_or(infinity) &&
                           faults[j].at_s < faults[i].until_s.value_or(infinity);
      if (same_node && overlap) {
        fail(kRoot / "faults" / j / "at_s",
             "overlaps the clock_skew fault at /faults/" + std::to_string(i) +
                 " on the same node (\"leader\" may be any node); a clock takes one clock_skew "
                 "fault at a time");
      }
    }
  }
}

std::vector<Fault> parse_faults(const json& doc, const Scenario& s) {
  const RegionIndex regions(s.topology.regions);
  const PlaceIndex places(s);
  std::vector<Fault> faults;
  const json list = doc.value("faults", json::array());
  for (std::size_t i = 0; i < list.size(); ++i) {
    const json& f = list[i];
    const Pointer at = kRoot / "faults" / i;
    Fault fault;
    fault.at_s = f.at("at_s").get<double>();
    if (fault.at_s >= s.duration_s) {
      fail(at / "at_s", "fault starts at " + num(fault.at_s) + " s, " +
                            (fault.at_s > s.duration_s ? "after" : "at") +
                            " the end of the run (duration_s = " + num(s.duration_s) + ")");
    }
    if (f.contains("until_s")) {
      fault.until_s = f["until_s"].get<double>();
      if (*fault.until_s <= fault.at_s) {
        fail(at / "until_s", "fault ends at " + num(*fault.until_s) +
                                 " s, not after it starts (at_s = " + num(fault.at_s) + ")");
      }
    }
    const std::string type = f.at("type").get<std::string>();
    if (auto link = parse_link_fault(type, f, at, regions)) {
      fault.what = std::move(*link);
    } else if (auto node = parse_node_fault(type, f, at, s)) {
      fault.what = std::move(*node);
    } else if (type == "region_outage") {
      RegionOutage outage{f.at("region").get<std::string>()};
      regions.require(outage.region, at / "region");
      fault.what = std::move(outage);
    } else if (type == "zone_outage") {
      ZoneOutage outage{f.at("zone").get<std::string>()};
      if (!places.is_zone(outage.zone)) {
        const std::vector<std::string> zones = places.zones();
        fail(at / "zone",
             "unknown zone " + in_quotes(outage.zone) +
                 (zones.empty() ? "; no region has zones" : "; zones are: " + list_names(zones)));
      }
      fault.what = std::move(outage);
    } else if (type == "partition") {
      fault.what = parse_partition(f, at, places);
    } else if (type == "one_way_partition") {
      fault.what = parse_one_way_partition(f, at, places);
    } else {
      fault.what = parse_partial_partition(f, at, places);
    }
    faults.push_back(std::move(fault));
  }
  check_clock_faults_apart(faults);
  return faults;
}

// Region -> weight, every region known and at least one weight positive.
std::map<std::string, double> parse_weights(const json& object, const Pointer& at,
                                            const Scenario& s) {
  const RegionIndex regions(s.topology.regions);
  std::map<std::string, double> weights;
  double total = 0;
  for (const auto& [region, weight] : object.items()) {
    regions.require(region, at / region);
    weights[region] = weight.get<double>();
    total += weights[region];
  }
  if (total <= 0) fail(at, "no region has a positive weight: no request could enter");
  return weights;
}

std::optional<LoadBalancerSettings> parse_load_balancer(const json& doc, const Scenario& s) {
  if (!doc.contains("load_balancer")) return std::nullopt;
  const json& lb = doc.at("load_balancer");
  const Pointer at = kRoot / "load_balancer";
  LoadBalancerSettings settings;
  settings.weights = parse_weights(lb.at("weights"), at / "weights", s);
  const json health = lb.value("health_check", json::object());
  read_optional(health, "interval_ms", settings.health_check.interval_ms);
  read_optional(health, "timeout_ms", settings.health_check.timeout_ms);
  read_optional(health, "unhealthy_threshold", settings.health_check.unhealthy_threshold);
  read_optional(health, "healthy_threshold", settings.health_check.healthy_threshold);
  if (settings.health_check.timeout_ms >= settings.health_check.interval_ms) {
    fail(at / "health_check" / "timeout_ms",
         "a probe's timeout (" + num(settings.health_check.timeout_ms) +
             " ms) must be shorter than the interval between probes (" +
             num(settings.health_check.interval_ms) + " ms)");
  }
  return settings;
}

StepType step_type(const std::string& name) {
  if (name == "add_replicas") return StepType::kAddReplicas;
  if (name == "wait_until") return StepType::kWaitUntil;
  if (name == "set_read_only") return StepType::kSetReadOnly;
  if (name == "promote") return StepType::kPromote;
  if (name == "transfer_leadership") return StepType::kTransferLeadership;
  if (name == "remove_replicas") return StepType::kRemoveReplicas;
  if (name == "shift_traffic") return StepType::kShiftTraffic;
  return StepType::kWait;  // the schema allows nothing else
}

std::vector<MigrationStep> parse_steps(const json& list, const Pointer& at, const Scenario& s) {
  const RegionIndex regions(s.topology.regions);
  const bool raft = s.protocol.type == ProtocolType::kRaft;
  std::vector<MigrationStep> steps;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const json& j = list[i];
    const Pointer step_at = at / i;
    MigrationStep step;
    const std::string type = j.at("type").get<std::string>();
    step.type = step_type(type);
    step.name = j.value("name", std::to_string(i) + " " + type);
    if (j.contains("region")) {
      step.region = j.at("region").get<std::string>();
      regions.require(step.region, step_at / "region");
    }
    if (j.contains("count")) step.count = j.at("count").get<std::uint32_t>();
    read_optional(j, "as_learner", step.as_learner);
    read_optional(j, "on", step.read_only);
    read_optional(j, "lag_below_ms", step.lag_below_ms);
    read_optional(j, "for_s", step.for_s);
    read_optional(j, "timeout_s", step.timeout_s);
    read_optional(j, "duration_s", step.duration_s);
    if (step.type == StepType::kShiftTraffic) {
      step.weights = parse_weights(j.at("weights"), step_at / "weights", s);
      read_optional(j, "over_s", step.over_s);
      if (!s.load_balancer) {
        fail(step_at / "type", "shift_traffic needs a load_balancer in the scenario");
      }
    }
    const bool membership_step =
        step.type == StepType::kAddReplicas || step.type == StepType::kRemoveReplicas;
    if (membership_step && !raft) {
      fail(step_at / "type", "step " + in_quotes(type) +
                                 " changes the replica set, which only protocol \"raft\" can do");
    }
    steps.push_back(std::move(step));
  }
  return steps;
}

std::optional<Migration> parse_migration(const json& doc, const Scenario& s) {
  if (!doc.contains("migration")) return std::nullopt;
  const json& m = doc.at("migration");
  const Pointer at = kRoot / "migration";
  Migration migration;
  read_optional(m, "start_at_s", migration.start_at_s);
  if (migration.start_at_s >= s.duration_s) {
    fail(at / "start_at_s",
         "the plan starts at " + num(migration.start_at_s) +
             " s, not before the end of the run (duration_s = " + num(s.duration_s) + ")");
  }
  migration.steps = parse_steps(m.at("steps"), at / "steps", s);
  migration.rollback = parse_steps(m.value("rollback", json::array()), at / "rollback", s);
  std::set<std::string> names;
  for (const MigrationStep& step : migration.steps) names.insert(step.name);
  const json guards = m.value("guards", json::array());
  for (std::size_t i = 0; i < guards.size(); ++i) {
    const json& g = guards[i];
    Guard guard;
    guard.name = g.at("name").get<std::string>();
    const std::string metric = g.at("metric").get<std::string>();
    guard.metric = metric == "write_p99_ms"       ? GuardMetric::kWriteP99Ms
                   : metric == "write_error_rate" ? GuardMetric::kWriteErrorRate
                   : metric == "max_lag_ms"       ? GuardMetric::kMaxLagMs
                                                  : GuardMetric::kWriteUnavailableMs;
    guard.above = g.at("above").get<double>();
    read_optional(g, "window_s", guard.window_s);
    const json during = g.value("during", json::array());
    for (std::size_t k = 0; k < during.size(); ++k) {
      const std::string name = during[k].get<std::string>();
      if (!names.contains(name)) {
        fail(at / "guards" / i / "during" / k,
             "no step is named " + in_quotes(name) + "; steps are: " +
                 list_names(std::vector<std::string>(names.begin(), names.end())));
      }
      guard.during.push_back(name);
    }
    migration.guards.push_back(std::move(guard));
  }
  return migration;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::vector<Slo> parse_slos(const json& doc, const Scenario& s) {
  std::vector<std::string> region_names;
  for (const Region& region : s.topology.regions) region_names.push_back(region.name);
  const std::vector<std::string> known =
      analysis::known_metric_paths(region_names, replica_names(s.topology));

  std::vector<Slo> slos;
  std::map<std::string, std::size_t> seen;
  const json list = doc.value("slo", json::array());
  for (std::size_t i = 0; i < list.size(); ++i) {
    const json& j = list[i];
    const Pointer at = kRoot / "slo" / i;
    Slo slo;
    slo.name = j.at("name").get<std::string>();
    if (auto [it, inserted] = seen.emplace(slo.name, i); !inserted) {
      fail(at / "name", "duplicate SLO name " + in_quotes(slo.name) + " (also /slo/" +
                            std::to_string(it->second) + "); the report lists SLOs by name");
    }
    slo.metric = j.at("metric").get<std::string>();
    if (std::find(known.begin(), known.end(), slo.metric) == known.end()) {
      std::string text = "unknown metric " + in_quotes(slo.metric);
      // A near miss is usually a typo ("p95" for "p99", a region name misspelt).
      const auto closest = std::min_element(
          known.begin(), known.end(), [&slo](const std::string& x, const std::string& y) {
            return edit_distance(slo.metric, x) < edit_distance(slo.metric, y);
          });
      if (closest != known.end() && edit_distance(slo.metric, *closest) <= 3) {
        text += "; did you mean " + in_quotes(*closest) + "?";
      }
      fail(at / "metric", text + " (metric paths are listed in scenarios/README.md)");
    }
    const std::string op = j.at("op").get<std::string>();
    slo.comparison = op == "<"    ? Comparison::kLess
                     : op == "<=" ? Comparison::kLessOrEqual
                     : op == ">"  ? Comparison::kGreater
                     : op == ">=" ? Comparison::kGreaterOrEqual
                                  : Comparison::kEqual;
    slo.limit = j.at("limit").get<double>();
    slos.push_back(std::move(slo));
  }
  return slos;
}

// Egress prices for every ordered pair of distinct regions: cost.egress, else the built-in
// table, else cost.egress_default_usd_per_gb, else unknown (the report says which pairs).
std::vector<std::vector<EgressPrice>> parse_egress_prices(const json& cost, const Scenario& s) {
  const std::vector<Region>& regions = s.topology.regions;
  const RegionIndex index(regions);
  std::vector<std::vector<EgressPrice>> prices(regions.size(),
                                               std::vector<EgressPrice>(regions.size()));
  std::map<std::pair<std::size_t, std::size_t>, std::size_t> listed;  // pair -> position
  const json list = cost.value("egress", json::array());
  for (std::size_t i = 0; i < list.size(); ++i) {
    const Pointer at = kRoot / "cost" / "egress" / i;
    const std::size_t from = index.require(list[i].at("from").get<std::string>(), at / "from");
    const std::size_t to = index.require(list[i].at("to").get<std::string>(), at / "to");
    if (from == to) {
      fail(at / "to", "egress is priced between two different regions; both are " +
                          in_quotes(regions[from].name) + " (traffic inside a region is free)");
    }
    if (auto [it, inserted] = listed.emplace(std::pair(from, to), i); !inserted) {
      fail(at, "egress " + regions[from].name + " -> " + regions[to].name +
                   " is already priced at /cost/egress/" + std::to_string(it->second));
    }
    prices[from][to] = {list[i].at("usd_per_gb").get<double>(), "scenario"};
  }
  std::optional<double> fallback;
  if (cost.contains("egress_default_usd_per_gb")) {
    fallback = cost.at("egress_default_usd_per_gb").get<double>();
  }
  for (std::size_t from = 0; from < regions.size(); ++from) {
    for (std::size_t to = 0; to < regions.size(); ++to) {
      if (from == to || listed.contains({from, to})) continue;
      if (auto row = lookup_builtin_egress(regions[from].name, regions[to].name)) {
        prices[from][to] = {row->usd_per_gb, builtin_egress_source(*row)};
      } else {
        prices[from][to] = {fallback, fallback ? "scenario default" : "unknown"};
      }
    }
  }
  return prices;
}

CostSettings parse_cost(const json& doc, const Scenario& s) {
  const json cost = doc.value("cost", json::object());
  CostSettings settings;
  settings.egress = parse_egress_prices(cost, s);
  auto read_price = [&cost](const char* key, std::optional<double>& out) {
    if (cost.contains(key)) out = cost.at(key).get<double>();
  };
  read_price("instance_usd_per_hour", settings.instance_usd_per_hour);
  read_price("storage_usd_per_gb_month", settings.storage_usd_per_gb_month);
  read_price("state_gb_per_replica", settings.state_gb_per_replica);
  return settings;
}

// The fault model of `cutover explore` (sim/scenario/fault_model_loader.h).
std::optional<FaultModel> parse_explore(const json& doc, const Scenario& s) {
  if (!doc.contains("explore")) return std::nullopt;
  auto parsed = parse_fault_model(doc.at("explore"), s);
  if (auto* problem = std::get_if<FaultModelProblem>(&parsed)) {
    fail(problem->pointer, problem->text);
  }
  return std::get<FaultModel>(std::move(parsed));
}

Scenario build_scenario(const json& doc, const std::string& file_label) {
  Scenario s;
  s.source_path = file_label;
  s.name = doc.at("name").get<std::string>();
  s.description = doc.at("description").get<std::string>();
  read_optional(doc, "seed", s.seed);
  s.duration_s = doc.at("duration_s").get<double>();
  read_optional(doc, "sample_interval_ms", s.sample_interval_ms);
  if (s.sample_interval_ms > s.duration_s * 1000) {
    fail(kRoot / "sample_interval_ms",
         "sample interval " + num(s.sample_interval_ms) +
             " ms is longer than the run (duration_s = " + num(s.duration_s) + ", i.e. " +
             num(s.duration_s * 1000) + " ms)");
  }
  const json& topology = doc.at("topology");
  s.topology.regions = parse_regions(topology.at("regions"));
  s.topology.links = parse_links(topology, s.topology.regions);
  s.node = parse_node(doc);
  s.protocol = parse_protocol(doc, s);
  s.workloads = parse_workloads(doc, s);
  s.faults = parse_faults(doc, s);
  s.load_balancer = parse_load_balancer(doc, s);
  s.migration = parse_migration(doc, s);
  s.slos = parse_slos(doc, s);
  s.explore = parse_explore(doc, s);
  s.cost = parse_cost(doc, s);
  if (doc.contains("network_model")) {
    read_optional(doc.at("network_model"), "direct_tolerance_us",
                  s.network_model.direct_tolerance_us);
  }
  return s;
}

}  // namespace

std::string LoadError::message() const {
  return file + ": " + (pointer.empty() ? std::string("(root)") : pointer) + ": " + problem;
}

std::string ScenarioOverride::text() const { return pointer + "=" + value.dump(); }

std::variant<ScenarioOverride, std::string> parse_override(std::string_view text) {
  const std::size_t equals = text.find('=');
  if (equals == std::string_view::npos) {
    return "--set " + std::string(text) + ": expected /json/pointer=value";
  }
  ScenarioOverride override{std::string(text.substr(0, equals)), nullptr};
  if (!override.pointer.starts_with("/")) {
    return "--set " + std::string(text) +
           ": the pointer must start with '/' (e.g. /workload/0/rate_per_s)";
  }
  try {
    (void)json::json_pointer(override.pointer);
  } catch (const json::exception&) {
    return "--set " + std::string(text) + ": " + in_quotes(override.pointer) +
           " is not a JSON pointer ('~' must be followed by 0 or 1)";
  }
  const std::string value_text(text.substr(equals + 1));
  override.value = json::parse(value_text, nullptr, /*allow_exceptions=*/false);
  if (override.value.is_discarded()) override.value = value_text;
  return override;
}

LoadResult load_scenario_text(const std::string& text, const std::string& file_label,
                              const std::vector<ScenarioOverride>& overrides) {
  try {
    json doc = parse_json(text);
    for (const ScenarioOverride& override : overrides) apply_override(doc, override);
    validate_against_schema(doc);
    return build_scenario(doc, file_label);
  } catch (const Problem& problem) {
    return LoadError{file_label, problem.pointer, problem.text};
  } catch (const std::exception& e) {
    // Not expected after schema validation; reported rather than crashing the CLI.
    return LoadError{file_label, "", std::string("internal error while loading: ") + e.what()};
  }
}

LoadResult load_scenario_file(const std::string& path,
                              const std::vector<ScenarioOverride>& overrides) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return LoadError{path, "", "cannot read: is a directory, not a scenario file"};
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    return LoadError{path, "", "cannot read: " + std::generic_category().message(err)};
  }
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) return LoadError{path, "", "cannot read: I/O error"};
  return load_scenario_text(content.str(), path, overrides);
}

}  // namespace cutover::sim
