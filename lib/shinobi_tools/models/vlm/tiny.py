"""Tiny random models of each family (tests, smoke runs): built from configs, no download.

The tokenizer is byte-level (256 byte tokens, no merges) with the family's special tokens and a ChatML
chat template, so any text round-trips and no file is needed.
"""

from __future__ import annotations

import torch

CHATML = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
SMOLVLM_TOKENS = ["<fake_token_around_image>", "<image>", "<global-img>"]
QWEN_TOKENS = ["<|vision_start|>", "<|vision_end|>", "<|image_pad|>", "<|video_pad|>"]


def byte_tokenizer(extra_special: list[str]):
    """A byte-level fast tokenizer with ChatML specials plus ``extra_special``."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    alphabet = sorted(pre_tokenizers.ByteLevel.alphabet())
    backend = Tokenizer(models.BPE(vocab={ch: i for i, ch in enumerate(alphabet)}, merges=[]))
    backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    backend.decoder = decoders.ByteLevel()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=backend, eos_token="<|im_end|>", pad_token="<|endoftext|>")
    tokenizer.add_special_tokens({"additional_special_tokens": ["<|im_start|>", *extra_special]})
    tokenizer.chat_template = CHATML
    return tokenizer


def _text_config(vocab_size: int, tokenizer) -> dict:
    return dict(vocab_size=vocab_size, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=4096,
                pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id, bos_token_id=None,
                initializer_range=0.2,  # large enough logits that LoRA alone can make the model fit an answer
                tie_word_embeddings=False)


def random_model(model_class, config, tokenizer, seed: int = 0):
    """The model of ``config`` with seeded random weights, generating with the tokenizer's end and pad tokens."""
    torch.manual_seed(seed)
    model = model_class(config)
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    return model, tokenizer


def tiny_smolvlm(seed: int = 0):
    """(model, tokenizer): a 2-layer 64-wide SmolVLM, 32-pixel frames, 4 tokens per frame."""
    from transformers import SmolVLMConfig, SmolVLMForConditionalGeneration

    tokenizer = byte_tokenizer(SMOLVLM_TOKENS)
    config = SmolVLMConfig(
        text_config=dict(model_type="llama", **_text_config(len(tokenizer), tokenizer)),
        vision_config=dict(hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2,
                           image_size=32, patch_size=8),
        scale_factor=2, image_token_id=tokenizer.convert_tokens_to_ids("<image>"),
        vocab_size=len(tokenizer), pad_token_id=tokenizer.pad_token_id, tie_word_embeddings=False,
    )
    return random_model(SmolVLMForConditionalGeneration, config, tokenizer, seed)


def _tiny_qwen(config_class, model_class, seed: int, text: dict, vision: dict):
    """A tiny Qwen-VL model: 2-layer 64-wide text, a 1-block vision tower; ``text`` / ``vision``: what differs."""
    tokenizer = byte_tokenizer(QWEN_TOKENS)
    ids = {t: tokenizer.convert_tokens_to_ids(t) for t in QWEN_TOKENS}
    config = config_class(
        text_config={**_text_config(len(tokenizer), tokenizer), **text},
        vision_config=dict(depth=1, hidden_size=32, intermediate_size=64, num_heads=2, out_hidden_size=64,
                           spatial_merge_size=2, temporal_patch_size=2, **vision),
        image_token_id=ids["<|image_pad|>"], video_token_id=ids["<|video_pad|>"],
        vision_start_token_id=ids["<|vision_start|>"], vision_end_token_id=ids["<|vision_end|>"],
        tie_word_embeddings=False,
    )
    return random_model(model_class, config, tokenizer, seed)


def tiny_qwen2_5_vl(seed: int = 0):
    """(model, tokenizer): a tiny Qwen2.5-VL (patch 14, merge 2, windowed attention)."""
    from transformers import Qwen2_5_VLConfig, Qwen2_5_VLForConditionalGeneration

    return _tiny_qwen(Qwen2_5_VLConfig, Qwen2_5_VLForConditionalGeneration, seed,
                      text={"rope_parameters": {"rope_type": "default", "rope_theta": 10000.0,
                                                "mrope_section": [2, 3, 3]}},
                      vision=dict(patch_size=14, window_size=56, fullatt_block_indexes=[0]))


def tiny_qwen3_vl(seed: int = 0):
    """(model, tokenizer): a tiny Qwen3-VL (patch 16, merge 2, DeepStack, interleaved MRoPE)."""
    from transformers import Qwen3VLConfig, Qwen3VLForConditionalGeneration

    return _tiny_qwen(Qwen3VLConfig, Qwen3VLForConditionalGeneration, seed,
                      text={"head_dim": 16, "rope_parameters": {"rope_type": "default", "rope_theta": 10000.0,
                                                                "mrope_section": [2, 3, 3],
                                                                "mrope_interleaved": True}},
                      vision=dict(patch_size=16, num_position_embeddings=64, deepstack_visual_indexes=[0]))


#: The tiny models by ``model.kind``.
TINY = {"tiny-smolvlm": tiny_smolvlm, "tiny-qwen2_5_vl": tiny_qwen2_5_vl, "tiny-qwen3_vl": tiny_qwen3_vl}
