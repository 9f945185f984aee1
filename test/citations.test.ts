import { describe, expect, it } from "vitest";
import { parseCitations } from "../src/answer/citations.js";

describe("parseCitations", () => {
  it("finds single, grouped, adjacent and ranged markers in order", () => {
    const p = parseCitations("Descale monthly [2]. Use vinegar [1, 3][4]. See [1-2].", 4);
    expect(p.cited).toEqual([2, 1, 3, 4]);
    expect(p.removed).toBe(0);
    expect(p.text).toBe("Descale monthly [2]. Use vinegar [1, 3][4]. See [1, 2].");
  });

  it("removes markers that point to no source and counts them", () => {
    const p = parseCitations("Twelve months [7]. Two years [1, 9].", 2);
    expect(p.cited).toEqual([1]);
    expect(p.removed).toBe(2);
    expect(p.text).toBe("Twelve months. Two years [1].");
  });

  it("handles full-width commas in Chinese answers", () => {
    const p = parseCitations("借期為二十八天[1，2]。", 2);
    expect(p.cited).toEqual([1, 2]);
    expect(p.text).toBe("借期為二十八天[1, 2]。");
  });

  it("leaves brackets that are not citations alone", () => {
    const p = parseCitations("Use the [menu] and array[i].", 3);
    expect(p.cited).toEqual([]);
    expect(p.text).toBe("Use the [menu] and array[i].");
  });

  it("ignores [0]", () => {
    expect(parseCitations("x [0]", 3)).toMatchObject({ cited: [], removed: 1 });
  });
});
