//! ElevateCRM backend.
