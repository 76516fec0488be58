namespace ReverseCrypt.Operations.Remote;

/// <summary>A least-recently-used map of at most <see cref="Capacity"/> entries, each valid for a time to live. Thread-safe.</summary>
internal sealed class SftpCache<TValue>
{
    private readonly Dictionary<string, LinkedListNode<(string Key, TValue Value, long Expires)>> _map = new(StringComparer.Ordinal);
    private readonly LinkedList<(string Key, TValue Value, long Expires)> _order = new();
    private readonly Lock _lock = new();
    private readonly long _ttlMs;

    public SftpCache(int capacity, TimeSpan timeToLive)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        _ttlMs = (long)timeToLive.TotalMilliseconds;
    }

    public int Capacity { get; }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _map.Count;
            }
        }
    }

    public bool TryGet(string key, out TValue value)
    {
        lock (_lock)
        {
            if (_map.TryGetValue(key, out var node))
            {
                if (node.Value.Expires > Environment.TickCount64)
                {
                    _order.Remove(node);
                    _order.AddFirst(node);
                    value = node.Value.Value;
                    return true;
                }
                _order.Remove(node);
                _map.Remove(key);
            }
        }
        value = default!;
        return false;
    }

    /// <summary>The cached value, or the one <paramref name="create"/> makes (stored; <paramref name="created"/> true).</summary>
    public TValue GetOrAdd(string key, Func<TValue> create, out bool created)
    {
        lock (_lock)
        {
            if (_map.TryGetValue(key, out var node) && node.Value.Expires > Environment.TickCount64)
            {
                _order.Remove(node);
                _order.AddFirst(node);
                created = false;
                return node.Value.Value;
            }
            var value = create();
            SetLocked(key, value);
            created = true;
            return value;
        }
    }

    public void Set(string key, TValue value)
    {
        lock (_lock)
        {
            SetLocked(key, value);
        }
    }

    public void Remove(string key)
    {
        lock (_lock)
        {
            if (_map.Remove(key, out var node))
            {
                _order.Remove(node);
            }
        }
    }

    private void SetLocked(string key, TValue value)
    {
        if (_map.Remove(key, out var old))
        {
            _order.Remove(old);
        }
        _map[key] = _order.AddFirst((key, value, Environment.TickCount64 + _ttlMs));
        while (_map.Count > Capacity)
        {
            var last = _order.Last!;
            _order.RemoveLast();
            _map.Remove(last.Value.Key);
        }
    }
}
