# The voice tests transcribe real speech with the real Whisper tiny.en model.
exec "$(dirname "${BASH_SOURCE[0]}")/../fetch-models"
