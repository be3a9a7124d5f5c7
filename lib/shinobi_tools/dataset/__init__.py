"""Stage 4: clips, question-answer records, splits and the training files of the video LLM."""
