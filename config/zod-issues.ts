import type { z } from "zod";

/** One schema problem in the words a person editing YAML expects. */
export interface IssueText {
  path: (string | number)[];
  message: string;
}

/**
 * Turns zod issues into short messages ("is required", "unknown key", "must be at most 90").
 * Messages written in a schema are kept as they are. The offending value is never echoed: it
 * may be a secret written in the wrong place. Parse with `{ reportInput: true }` so that
 * missing values can be told from wrong ones.
 */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): IssueText[] {
  return issues.flatMap((issue): IssueText[] => {
    const path = issue.path.filter((s): s is string | number => typeof s !== "symbol");
    if (issue.code === "unrecognized_keys") return issue.keys.map((k) => ({ path: [...path, k], message: "unknown key" }));
    if (issue.input === undefined && (issue.code === "invalid_type" || issue.code === "invalid_value")) return [{ path, message: "is required" }];
    if (issue.code === "invalid_type") return [{ path, message: `must be ${/^[aeiou]/.test(issue.expected) ? "an" : "a"} ${issue.expected}` }];
    if (issue.code === "invalid_value") return [{ path, message: `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}` }];
    if ((issue.code === "too_big" || issue.code === "too_small") && /^Too (big|small)/.test(issue.message)) {
      const bound = issue.code === "too_big" ? issue.maximum : issue.minimum;
      const word = issue.code === "too_big" ? (issue.inclusive ? "at most" : "less than") : issue.inclusive ? "at least" : "greater than";
      const unit = issue.origin === "string" ? " characters" : issue.origin === "array" ? " items" : "";
      if (issue.code === "too_small" && issue.origin === "string" && Number(bound) === 1) return [{ path, message: "must not be empty" }];
      return [{ path, message: `must be ${word} ${String(bound)}${unit}` }];
    }
    return [{ path, message: issue.message.charAt(0).toLowerCase() + issue.message.slice(1) }];
  });
}
