using System.Net;
using System.Xml.Linq;

namespace Jamdeploy.Aws.CloudFront;

/// <summary>The XML documents of the CloudFront 2020-05-31 API that jamdeploy sends and reads.</summary>
internal static class CloudFrontXml
{
    public static readonly XNamespace Ns = "http://cloudfront.amazonaws.com/doc/2020-05-31/";

    public static string InvalidationBatch(string callerReference, IReadOnlyList<string> paths)
    {
        var batch = new XElement(Ns + "InvalidationBatch",
            new XElement(Ns + "Paths",
                new XElement(Ns + "Quantity", paths.Count),
                new XElement(Ns + "Items", paths.Select(p => new XElement(Ns + "Path", p)))),
            new XElement(Ns + "CallerReference", callerReference));
        return """<?xml version="1.0" encoding="UTF-8"?>""" + batch.ToString(SaveOptions.DisableFormatting);
    }

    /// <summary>Reads an <c>Invalidation</c> element, wherever the answer nests it.</summary>
    public static CloudFrontInvalidation ReadInvalidation(string xml)
    {
        var root = XDocument.Parse(xml).Root ?? throw new FormatException("empty CloudFront answer");
        var invalidation = root.Name.LocalName == "Invalidation" ? root : First(root, "Invalidation")
            ?? throw new FormatException("CloudFront answer has no Invalidation");
        var batch = First(invalidation, "InvalidationBatch");
        return new CloudFrontInvalidation(
            Text(invalidation, "Id") ?? throw new FormatException("CloudFront invalidation without Id"),
            Text(invalidation, "Status") ?? "",
            batch is null ? "" : Text(batch, "CallerReference") ?? "",
            batch is null ? [] : [.. batch.Descendants().Where(e => e.Name.LocalName == "Path").Select(e => e.Value)]);
    }

    /// <summary>An <c>ErrorResponse</c> as an exception; tolerant of bodies that are not CloudFront's XML (proxies).</summary>
    public static CloudFrontApiException ReadError(HttpStatusCode status, string body)
    {
        string? code = null, message = null;
        try
        {
            var root = XDocument.Parse(body).Root;
            if (root is not null)
            {
                code = First(root, "Code")?.Value;
                message = First(root, "Message")?.Value;
            }
        }
        catch (System.Xml.XmlException) { }
        code ??= status.ToString();
        // Some signature errors quote the canonical request back, which can carry a session token: keep one safe line.
        message = code == "SignatureDoesNotMatch" ? "the request signature does not match (check the secret key and the clock)"
            : FirstLine(message ?? "");
        return new CloudFrontApiException(status, code, message);
    }

    private static string FirstLine(string text)
    {
        var line = text.Split('\n', 2)[0].Trim().TrimEnd('.');
        return line.Length <= 300 ? line : line[..300];
    }

    private static XElement? First(XElement scope, string localName) =>
        scope.Descendants().FirstOrDefault(e => e.Name.LocalName == localName);

    private static string? Text(XElement scope, string localName) =>
        scope.Elements().FirstOrDefault(e => e.Name.LocalName == localName)?.Value;
}
