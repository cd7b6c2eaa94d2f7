#include "infoendpoints.h"

#include <algorithm>
#include <ctime>
#include <sstream>

#include "serverstate.h"
#include "release.h"

namespace FakeLlama {
using json = nlohmann::ordered_json;

namespace {
bool contains(const std::string &text, const char *needle)
{
    return text.find(needle) != std::string::npos;
}

json generationParams(const ServerState &state)
{
    return json{{"n_predict", state.options.nPredict},
                {"seed", 4294967295u},
                {"temperature", 0.8},
                {"dynatemp_range", 0.0},
                {"top_k", 40},
                {"top_p", 0.95},
                {"min_p", 0.05},
                {"repeat_last_n", 64},
                {"repeat_penalty", 1.0},
                {"presence_penalty", 0.0},
                {"frequency_penalty", 0.0},
                {"stream", true},
                {"reasoning_format", state.options.reasoningFormat}};
}

// What a Jinja template can do, guessed from its text like the real server's probing does.
json templateCaps(const std::string &tmpl)
{
    return json{{"supports_object_arguments", false},
                {"supports_parallel_tool_calls", false},
                {"supports_preserve_reasoning", contains(tmpl, "reasoning_content")},
                {"supports_string_content", true},
                {"supports_system_role", contains(tmpl, "system")},
                {"supports_tool_calls", contains(tmpl, "tool_calls")},
                {"supports_tools", contains(tmpl, "tools")},
                {"supports_typed_content", false}};
}
} // namespace

json modelsJson(const ServerState &state)
{
    // v1-models.json of each release; 0.4.0 answers 0.5.0's shape (LLAMA_SERVER.md).
    const Runtime &rt = state.runtime;
    const bool b7347 = release().release == Release::B7347;
    const bool multimodal = rt.projector.has_value();
    const json capabilities =
            multimodal ? json::array({"completion", "multimodal"}) : json::array({"completion"});
    const json details{{"parent_model", ""}, {"format", "gguf"},     {"family", ""},
                       {"families", {""}},   {"parameter_size", ""}, {"quantization_level", ""}};
    const json ollama{{"name", rt.modelName()},
                      {"model", rt.modelName()},
                      {"modified_at", ""},
                      {"size", ""},
                      {"digest", ""},
                      {"type", "model"},
                      {"description", ""},
                      {"tags", json::array({""})},
                      {"capabilities", capabilities},
                      {"parameters", ""},
                      {"details", details}};
    json meta{{"vocab_type", rt.model.vocabType}, {"n_vocab", rt.model.nVocab}};
    if (!b7347)
        meta["n_ctx"] = rt.nCtxSlot;
    meta["n_ctx_train"] = rt.model.nCtxTrain;
    meta["n_embd"] = rt.model.nEmbd;
    meta["n_params"] = rt.model.nParams;
    meta["size"] = rt.model.size;
    if (!b7347)
        meta["ftype"] = rt.model.ftype;
    json openai{{"id", rt.modelName()}};
    if (!b7347) {
        openai["aliases"] = rt.aliases.empty() ? json::array({rt.modelName()}) : json(rt.aliases);
        openai["tags"] = json::array();
    }
    openai["object"] = "model";
    openai["created"] = static_cast<long long>(std::time(nullptr));
    openai["owned_by"] = "llamacpp";
    openai["meta"] = meta;
    return json{{"models", json::array({ollama})}, {"object", "list"}, {"data", json::array({openai})}};
}

json propsJson(const ServerState &state)
{
    // props-think-vision.json of each release, keys in its order. 0.4.0 (no sample): 0.5.0's
    // keys without ui_settings, model_ftype, media_marker and cors_proxy_enabled.
    const Runtime &rt = state.runtime;
    const Release which = release().release;
    const bool vision = rt.projector && rt.projector->vision;
    const bool audio = rt.projector && rt.projector->audio;
    json props{{"default_generation_settings", json{{"params", generationParams(state)}, {"n_ctx", rt.nCtxSlot}}},
               {"total_slots", rt.nSlots},
               {"model_alias", rt.modelName()}};
    if (which == Release::R0_5_0)
        props["model_ftype"] = rt.model.ftype;
    props["model_path"] = rt.model.path;
    // LLAMA_SERVER.md: the projector with both encoders reports video as well (not b7347).
    props["modalities"] = which == Release::B7347
            ? json{{"vision", vision}, {"audio", audio}}
            : json{{"vision", vision}, {"video", vision && audio}, {"audio", audio}};
    if (which == Release::R0_5_0)
        props["media_marker"] = "<__media_yGYWMEXWqk3Vkfj8jLKlUuWXGL0i2XC4__>";
    props["endpoint_slots"] = state.options.slots;
    props["endpoint_props"] = false;
    props["endpoint_metrics"] = state.options.metrics;
    if (which == Release::B7347) {
        props["webui"] = true;
    } else {
        props["ui"] = true;
        if (which == Release::R0_5_0)
            props["ui_settings"] = json::object();
    }
    props["chat_template"] = rt.model.chatTemplate;
    if (which != Release::B7347)
        props["chat_template_caps"] = templateCaps(rt.model.chatTemplate);
    props["bos_token"] = rt.model.bosToken;
    props["eos_token"] = rt.model.eosToken;
    props["build_info"] = release().buildInfo;
    if (which != Release::B7347)
        props["is_sleeping"] = false;
    if (which == Release::R0_5_0)
        props["cors_proxy_enabled"] = false;
    return props;
}

json slotsJson(const ServerState &state)
{
    json slots = json::array();
    const auto snapshot = state.slots.snapshot();
    for (size_t i = 0; i < snapshot.size(); ++i) {
        const SlotStatus &slot = snapshot[i];
        const int remain = slot.nPredict < 0 ? -1 : std::max(slot.nPredict - slot.nDecoded, 0);
        slots.push_back(json{{"id", static_cast<int>(i)},
                             {"id_task", slot.taskId},
                             {"n_ctx", state.runtime.nCtxSlot},
                             {"speculative", false},
                             {"is_processing", slot.processing},
                             {"params", generationParams(state)},
                             {"next_token",
                              json{{"has_next_token", slot.processing},
                                   {"has_new_line", false},
                                   {"n_remain", remain},
                                   {"n_decoded", slot.nDecoded}}}});
    }
    return slots;
}

std::string metricsText(const ServerState &state)
{
    const Counters &c = state.counters;
    int busy = 0;
    for (const SlotStatus &slot : state.slots.snapshot())
        busy += slot.processing ? 1 : 0;
    const double promptSeconds = static_cast<double>(c.promptMicros) / 1e6;
    const double predictedSeconds = static_cast<double>(c.predictedMicros) / 1e6;
    struct Family
    {
        const char *name;
        const char *type;
        const char *help;
        double value;
    };
    const Family families[] = {
            {"prompt_tokens_total", "counter", "Number of prompt tokens processed.",
             static_cast<double>(c.promptTokens)},
            {"prompt_seconds_total", "counter", "Prompt process time", promptSeconds},
            {"tokens_predicted_total", "counter", "Number of generation tokens processed.",
             static_cast<double>(c.predictedTokens)},
            {"tokens_predicted_seconds_total", "counter", "Predict process time", predictedSeconds},
            {"n_decode_total", "counter", "Total number of llama_decode() calls",
             static_cast<double>(c.decodeCalls)},
            {"n_busy_slots_per_decode", "counter", "Average number of busy slots per llama_decode() call",
             busy > 0 ? 1.0 : 0.0},
            {"prompt_tokens_seconds", "gauge", "Average prompt throughput in tokens/s.",
             promptSeconds > 0 ? static_cast<double>(c.promptTokens) / promptSeconds : 0.0},
            {"predicted_tokens_seconds", "gauge", "Average generation throughput in tokens/s.",
             predictedSeconds > 0 ? static_cast<double>(c.predictedTokens) / predictedSeconds : 0.0},
            {"requests_processing", "gauge", "Number of requests processing.", static_cast<double>(busy)},
            {"requests_deferred", "gauge", "Number of requests deferred.", 0.0},
    };
    std::ostringstream out;
    for (const Family &family : families) {
        out << "# HELP llamacpp:" << family.name << " " << family.help << "\n"
            << "# TYPE llamacpp:" << family.name << " " << family.type << "\n"
            << "llamacpp:" << family.name << " " << family.value << "\n";
    }
    return out.str();
}
} // namespace FakeLlama
