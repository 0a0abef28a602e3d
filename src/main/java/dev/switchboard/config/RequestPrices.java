package dev.switchboard.config;

import java.util.Map;

/**
 * A model's prices that are not per token: what one request, image or thousand characters of speech input costs, in
 * the operator's currency. Each is null when not configured. They add to the token prices.
 *
 * @param perRequest price of every request to the model ({@code price_per_request})
 * @param perImage price of one generated image ({@code price_per_image}), by size and quality, or null
 * @param per1kCharacters price of a thousand characters of speech input ({@code price_per_1k_characters})
 */
public record RequestPrices(Double perRequest, ImagePrices perImage, Double per1kCharacters) {
  public static final RequestPrices NONE = new RequestPrices(null, null, null);

  public boolean any() {
    return perRequest != null || perImage != null || per1kCharacters != null;
  }

  /**
   * Image prices: one for every image, or a table keyed by size ({@code 1024x1024}), quality ({@code hd}) or both
   * ({@code hd/1024x1024}), with an optional {@code default}.
   *
   * @param byKey the table, empty when one price applies to every image
   * @param flat the price of an image no entry matches: {@code default}, else the table's highest price, so an
   *     unlisted size is never undercharged
   */
  public record ImagePrices(Map<String, Double> byKey, double flat) {
    public ImagePrices {
      byKey = Map.copyOf(byKey);
    }

    /** The price of one image of that size and quality (either may be null: the provider's default). */
    public double of(String size, String quality) {
      Double p = null;
      if (quality != null && size != null) {
        p = byKey.get(quality + "/" + size);
      }
      if (p == null && size != null) {
        p = byKey.get(size);
      }
      if (p == null && quality != null) {
        p = byKey.get(quality);
      }
      return p == null ? flat : p;
    }
  }
}
