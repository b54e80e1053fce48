//! ElevateCRM phone app.
