/**
 * The stream statistics' defaults, apart from the statistics themselves: the option tables read
 * them without loading the language identifier's n-gram database.
 */
export const DEFAULT_WINDOW_MS = 60_000
export const DEFAULT_HORIZON_MS = 3_600_000
export const DEFAULT_LOW_CONFIDENCE = 0.2
