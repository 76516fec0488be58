using System.Text.Json;
using ReverseCrypt.Format.Content;

namespace ReverseCrypt.Format.Tests.Content;

public class FileHeaderTests
{
    [Test]
    public void Write_FileIdFromCipherPath_MatchesEveryHeaderOfTheReverseTree()
    {
        int headers = 0;
        foreach (JsonElement entry in ContentVectors.RegularFiles.Where(e => e.TryGetProperty("header_hex", out _)))
        {
            byte[] fileId = ContentVectors.PathIv(ContentVectors.Text(entry, "cipher_path"), "FILEID");
            Assert.That(Convert.ToHexStringLower(fileId), Is.EqualTo(ContentVectors.Text(entry, "file_id_hex")));
            byte[] header = new byte[FileHeader.Size];
            FileHeader.Write(fileId, header);
            Assert.That(Convert.ToHexStringLower(header), Is.EqualTo(ContentVectors.Text(entry, "header_hex")));

            byte[] parsed = new byte[16];
            Assert.That(FileHeader.TryParse(header, parsed), Is.True);
            Assert.That(parsed, Is.EqualTo(fileId));
            headers++;
        }

        Assert.That(headers, Is.GreaterThanOrEqualTo(14));
    }

    [Test]
    public void TryParse_InvalidHeaders_ReturnFalse()
    {
        byte[] fileId = new byte[16];
        byte[] good = [0, 2, .. Enumerable.Range(1, 16).Select(i => (byte)i)];
        Assert.That(FileHeader.TryParse(good, fileId), Is.True);
        Assert.That(FileHeader.TryParse(new byte[18], fileId), Is.False, "all zero");
        Assert.That(FileHeader.TryParse([0, 1, .. good[2..]], fileId), Is.False, "version 1");
        Assert.That(FileHeader.TryParse([0, 3, .. good[2..]], fileId), Is.False, "version 3");
        Assert.That(FileHeader.TryParse([0, 2, .. new byte[16]], fileId), Is.False, "zero file ID");
        Assert.That(FileHeader.TryParse(good.AsSpan(0, 17), fileId), Is.False, "short");
    }

    [Test]
    public void Write_BadLengths_Throw()
    {
        Assert.That(() => FileHeader.Write(new byte[15], new byte[18]), Throws.ArgumentException);
        Assert.That(() => FileHeader.Write(new byte[16], new byte[17]), Throws.ArgumentException);
    }
}
