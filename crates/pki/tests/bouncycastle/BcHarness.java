// Bouncy Castle as an interoperability peer for podpis's CMS (the test
// crates/pki/tests/cms_bouncycastle.rs compiles and drives this file).
//
//   sign PARAMSET CONTENT OUTDIR attached|detached
//       makes a GOST R 34.10-2012 key on PARAMSET (a Bouncy Castle curve
//       name, e.g. Tc26-Gost-3410-12-256-paramSetA), a self-signed
//       certificate (OUTDIR/cert.der) and a CMS SignedData over CONTENT with
//       Bouncy Castle's default signed attributes (OUTDIR/sig.p7s).
//   verify SIGNATURE [CONTENT]
//       verifies every signer of a CMS SignedData against the certificates it
//       carries; prints "verified N" and exits 0, or prints why and exits 1.
import java.io.File;
import java.math.BigInteger;
import java.nio.file.Files;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Security;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.Collection;
import java.util.Date;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.CMSSignedDataGenerator;
import org.bouncycastle.cms.SignerInformation;
import org.bouncycastle.cms.jcajce.JcaSignerInfoGeneratorBuilder;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoVerifierBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.bouncycastle.util.Store;

public final class BcHarness {
    public static void main(String[] args) throws Exception {
        Security.addProvider(new BouncyCastleProvider());
        switch (args[0]) {
            case "sign" -> sign(args[1], new File(args[2]), new File(args[3]), args[4].equals("attached"));
            case "verify" -> System.exit(verify(new File(args[1]), args.length > 2 ? new File(args[2]) : null));
            default -> throw new IllegalArgumentException("unknown command " + args[0]);
        }
    }

    static void sign(String curve, File content, File outDir, boolean attached) throws Exception {
        boolean big = curve.contains("-512-");
        KeyPairGenerator gen = KeyPairGenerator.getInstance("ECGOST3410-2012", "BC");
        gen.initialize(new ECGenParameterSpec(curve));
        KeyPair pair = gen.generateKeyPair();
        String sigAlg = big ? "GOST3411WITHECGOST3410-2012-512" : "GOST3411WITHECGOST3410-2012-256";
        ContentSigner signer = new JcaContentSignerBuilder(sigAlg).setProvider("BC").build(pair.getPrivate());
        X500Name name = new X500Name("CN=Bouncy Castle " + curve + ",O=podpis interop,C=RU");
        long now = System.currentTimeMillis();
        X509CertificateHolder holder = new JcaX509v3CertificateBuilder(
                name, BigInteger.valueOf(now), new Date(now - 3_600_000L), new Date(now + 86_400_000L * 30),
                name, pair.getPublic()).build(signer);
        X509Certificate cert = new JcaX509CertificateConverter().setProvider("BC").getCertificate(holder);
        Files.write(new File(outDir, "cert.der").toPath(), cert.getEncoded());

        CMSSignedDataGenerator cms = new CMSSignedDataGenerator();
        ContentSigner cmsSigner = new JcaContentSignerBuilder(sigAlg).setProvider("BC").build(pair.getPrivate());
        cms.addSignerInfoGenerator(new JcaSignerInfoGeneratorBuilder(
                new JcaDigestCalculatorProviderBuilder().setProvider("BC").build()).build(cmsSigner, cert));
        cms.addCertificates(new JcaCertStore(java.util.List.of(cert)));
        CMSSignedData signed = cms.generate(new CMSProcessableByteArray(Files.readAllBytes(content.toPath())), attached);
        Files.write(new File(outDir, "sig.p7s").toPath(), signed.getEncoded("DER"));
    }

    @SuppressWarnings("unchecked")
    static int verify(File signature, File content) throws Exception {
        byte[] der = Files.readAllBytes(signature.toPath());
        CMSSignedData signed = content == null
                ? new CMSSignedData(der)
                : new CMSSignedData(new CMSProcessableByteArray(Files.readAllBytes(content.toPath())), der);
        Store<X509CertificateHolder> certs = signed.getCertificates();
        int n = 0;
        for (SignerInformation si : signed.getSignerInfos().getSigners()) {
            Collection<X509CertificateHolder> matches = certs.getMatches(si.getSID());
            if (matches.isEmpty()) {
                System.out.println("no certificate for signer " + n);
                return 1;
            }
            X509CertificateHolder cert = matches.iterator().next();
            if (!si.verify(new JcaSimpleSignerInfoVerifierBuilder().setProvider("BC").build(cert))) {
                System.out.println("signer " + n + " does not verify");
                return 1;
            }
            n++;
        }
        System.out.println("verified " + n);
        return n > 0 ? 0 : 1;
    }
}
