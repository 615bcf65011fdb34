"""The thread budget: --threads, else OMP_NUM_THREADS, else the CPUs."""


def test_thread_budget_follows_threads_option_and_environment(monkeypatch):
    import torch

    from styletalk_core.threads import available_cpus, cpu_threads, set_cpu_threads

    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert cpu_threads() == 1
    monkeypatch.setenv("OMP_NUM_THREADS", "junk")
    assert cpu_threads() == available_cpus()
    before = torch.get_num_threads()
    try:
        assert set_cpu_threads(1) == 1 and torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
