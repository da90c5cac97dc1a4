/**
 * What a node says in its own words (failure messages, `node_error` texts and details) goes to the log only, and
 * shortened: a node is not trusted to write the operator's log any more than the user's screen.
 */

/** Longest node-supplied text kept in a log line, in UTF-16 code units. */
export const NODE_TEXT_LOG_MAX = 256;

/** `text` cut to NODE_TEXT_LOG_MAX units, with `…` marking a cut. */
export function truncateNodeText(text: string, max = NODE_TEXT_LOG_MAX): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

/** A node-supplied value (details maps and the like) serialised and cut for the log; undefined stays undefined. */
export function nodeValueForLog(value: unknown, max = NODE_TEXT_LOG_MAX): string | undefined {
  if (value === undefined) return undefined;
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return truncateNodeText(text, max);
}
