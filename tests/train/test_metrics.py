import pytest
import torch

from vtdata.train.metrics import (
    caption_metrics,
    choice_accuracy,
    ranks_of_any,
    ranks_of_targets,
    retrieval_metrics,
    summarize,
)


def test_ranks_count_ties_against_the_target():
    scores = torch.tensor([[0.9, 0.1, 0.5], [0.2, 0.2, 0.2], [0.1, 0.8, 0.8]])
    assert ranks_of_targets(scores, torch.tensor([0, 1, 1])).tolist() == [1, 3, 2]


def test_summarize_on_known_ranks():
    out = summarize(torch.tensor([1, 2, 6, 11]), "t2v")
    assert out == {"t2v_R@1": 25.0, "t2v_R@5": 50.0, "t2v_R@10": 75.0, "t2v_MedR": 2.0, "t2v_MeanR": 5.0}


def test_perfect_and_reversed_embeddings():
    n = 12
    video = torch.eye(n)
    perfect = retrieval_metrics(video, torch.eye(n))
    assert perfect["t2v_R@1"] == 100.0 and perfect["v2t_R@1"] == 100.0 and perfect["t2v_MedR"] == 1.0
    assert perfect["chance_R@1"] == pytest.approx(100 / n)
    # text i points at video n-1-i, and scores decrease with distance from it: ground truth far down
    text = torch.stack(
        [torch.tensor([-abs(j - (n - 1 - i)) for j in range(n)], dtype=torch.float) for i in range(n)]
    )
    worst = retrieval_metrics(video, text)
    assert worst["t2v_R@1"] < 100.0 / n + 1e-9
    assert worst["t2v_MeanR"] > n / 2


def test_constant_model_ranks_last_not_first():
    out = retrieval_metrics(torch.ones(5, 3), torch.ones(5, 3))
    assert out["t2v_R@1"] == 0.0 and out["t2v_MedR"] == 5.0 and out["v2t_MeanR"] == 5.0


def test_hand_made_matrix_both_directions():
    # sims[text, video]; video embeddings = identity so text rows are the similarity rows
    sims = torch.tensor(
        [
            [0.9, 0.1, 0.0],  # text 0 -> video 0 rank 1
            [0.8, 0.7, 0.1],  # text 1 -> video 1 rank 2
            [0.5, 0.6, 0.4],  # text 2 -> video 2 rank 3
        ]
    )
    out = retrieval_metrics(torch.eye(3), sims)
    assert out["t2v_R@1"] == pytest.approx(100 / 3) and out["t2v_MeanR"] == 2.0
    # v2t reads the columns: video 0 [0.9, 0.8, 0.5], video 1 [0.1, 0.7, 0.6], video 2 [0.0, 0.1, 0.4]:
    # each video's own text scores highest
    assert out["v2t_R@1"] == 100.0


def test_caption_level_merges_duplicate_captions():
    # clips 0 and 1 share a caption; its text embedding is closer to clip 1 than clip 0
    video = torch.eye(3)
    text = torch.tensor([[0.5, 0.9, 0.0], [0.5, 0.9, 0.0], [0.0, 0.0, 1.0]])
    captions = ["a red disc moves left", "a red disc moves left", "a blue square moves up"]
    out = retrieval_metrics(video, text, captions)
    assert out["t2v_R@1"] == pytest.approx(200 / 3)  # text 0's paired clip 0 ranks 2nd
    assert out["t2v_cap_R@1"] == 100.0  # but clip 1 has the same caption
    assert out["num_captions"] == 2.0
    assert out["chance_t2v_cap_R@1"] == pytest.approx(100 * (2 / 3 + 2 / 3 + 1 / 3) / 3)
    assert out["chance_v2t_cap_R@1"] == 50.0
    # v2t paired: duplicate texts tie, and ties count against -> clips 0 and 1 rank 2
    assert out["v2t_R@1"] == pytest.approx(100 / 3)
    assert out["v2t_cap_R@1"] == 100.0


def test_ranks_of_any_takes_the_best_positive():
    scores = torch.tensor([[0.1, 0.9, 0.5, 0.7]])
    positives = torch.tensor([[True, False, True, False]])
    assert ranks_of_any(scores, positives).tolist() == [3]  # best positive 0.5 is beaten by 0.9 and 0.7


def test_caption_metrics_rejects_wrong_count():
    with pytest.raises(ValueError, match="2 captions for 3 clips"):
        caption_metrics(torch.zeros(3, 3), ["a", "b"])


def test_choice_accuracy():
    scores = torch.tensor([[0.1, 0.9], [0.8, 0.2], [0.5, 0.5]])
    assert choice_accuracy(scores, torch.tensor([1, 1, 0])) == pytest.approx(100 / 3)
