"""The models a provider offers when its list cannot be fetched: plain data, known before the provider's SDK loads."""

# the newest non-deprecated model of each line the installed SDKs know (anthropic 2.14, google-genai)
ANTHROPIC = ['claude-sonnet-5-5', 'claude-opus-5-5', 'claude-haiku-5-5']
GOOGLE = ['gemini-2.5-flash', 'gemini-2.5-pro', 'gemini-2.5-flash-lite']
