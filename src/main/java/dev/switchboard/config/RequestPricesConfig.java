package dev.switchboard.config;

import java.util.LinkedHashMap;
import java.util.Map;

/** Reads a model entry's per-unit prices ({@link RequestPrices}); each problem names its field path. */
final class RequestPricesConfig {
  private static final double MAX = 1_000_000;

  private RequestPricesConfig() {
  }

  static RequestPrices parse(ConfigNode m) {
    Double perRequest = ProvidersSection.price(m, "price_per_request");
    Double per1k = ProvidersSection.price(m, "price_per_1k_characters");
    RequestPrices.ImagePrices perImage = null;
    if (m.isMapping("price_per_image")) {
      Map<String, String> table = m.stringMap("price_per_image");
      Map<String, Double> byKey = new LinkedHashMap<>();
      Double fallback = null;
      double highest = 0;
      for (Map.Entry<String, String> e : table.entrySet()) {
        double price;
        try {
          price = Double.parseDouble(e.getValue().trim());
        } catch (NumberFormatException ex) {
          m.problem("price_per_image." + e.getKey(), "must be a number, got \"" + e.getValue() + "\"");
          continue;
        }
        if (!(price >= 0 && price <= MAX)) {
          m.problem("price_per_image." + e.getKey(), "must be between 0 and " + MAX + ", got " + price);
          continue;
        }
        if (e.getKey().equals("default")) {
          fallback = price;
        } else {
          byKey.put(e.getKey(), price);
          highest = Math.max(highest, price);
        }
      }
      if (table.isEmpty()) {
        m.problem("price_per_image", "must be a number or a mapping of size/quality to price, got an empty mapping");
      }
      perImage = new RequestPrices.ImagePrices(byKey, fallback != null ? fallback : highest);
    } else {
      Double flat = ProvidersSection.price(m, "price_per_image");
      perImage = flat == null ? null : new RequestPrices.ImagePrices(Map.of(), flat);
    }
    RequestPrices prices = new RequestPrices(perRequest, perImage, per1k);
    return prices.any() ? prices : RequestPrices.NONE;
  }
}
