/** Defaults of the X API source, kept apart so that the CLI can show them without loading the client. */
export const DEFAULT_TWITTER_API_URL = 'https://api.x.com/2/'

export const DEFAULT_KEYWORDS: readonly string[] = [
  'Politics',
  'Apple',
  'Google',
  'Microsoft',
  'Bikes',
  'Harley Davidson',
  'Medicine',
]
