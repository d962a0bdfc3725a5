#include "dedupe/admission.hpp"

#include "dedupe/content_hash.hpp"

namespace herald::dedupe {

queue::admission admission_of(std::string tenant, const message& m, std::string payload,
                              std::string idempotency_key) {
    queue::admission a{.tenant = std::move(tenant),
                       .ch = m.kind(),
                       .payload = std::move(payload),
                       .idempotency_key = std::move(idempotency_key),
                       .recipients = recipients(m)};
    a.content_hash = content_hash(a.tenant, m);
    return a;
}

result<queue::admission> admission_of(std::string tenant, channel ch, std::string json,
                                      std::string idempotency_key) {
    auto m = parse_message(ch, json);
    if (!m) return m.error();
    return admission_of(std::move(tenant), *m, std::move(json), std::move(idempotency_key));
}

}  // namespace herald::dedupe
